//! Page-number pagination as the reference's (`page`, `page_size`; envelope
//! `{count, next, previous, results}`), over the use cases' keyset listings.
//!
//! The use cases list by keyset; a numbered page and the total count need the listing from its
//! start, so the gateway reads it whole (by pages of the largest size, at most
//! [`MAX_LISTED`] items) and cuts the page out.

use std::future::Future;

use anteroom_domain::Error;
use anteroom_domain::page::{MAX_PAGE_SIZE, Page, PageRequest, PageSize};
use axum::http::{HeaderMap, Uri, header};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

/// The most items a listing reads.
const MAX_LISTED: usize = 10_000;
/// The page size when the client does not choose one.
const DEFAULT_PAGE_SIZE: usize = 20;

/// `?page=&page_size=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQuery {
    /// The page number, from 1.
    page: Option<String>,
    /// Items per page (1 to 100, default 20).
    page_size: Option<String>,
}

/// One page of a listing.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Paginated<T> {
    /// How many items the whole listing holds.
    pub(crate) count: usize,
    /// The next page's URL.
    pub(crate) next: Option<String>,
    /// The previous page's URL.
    pub(crate) previous: Option<String>,
    /// This page's items.
    pub(crate) results: Vec<T>,
}

/// Reads a whole keyset listing.
///
/// # Errors
///
/// The listing's error.
pub(crate) async fn read_all<T, C, F, Fut>(mut fetch: F) -> Result<Vec<T>, Error>
where
    C: Clone,
    F: FnMut(PageRequest<C>) -> Fut,
    Fut: Future<Output = Result<Page<T, C>, Error>>,
{
    let size = PageSize::from_request(i32::try_from(MAX_PAGE_SIZE).unwrap_or(100))
        .map_err(Error::internal)?;
    let mut items = Vec::new();
    let mut after = None;
    loop {
        let page = fetch(PageRequest { size, after }).await?;
        items.extend(page.items);
        match page.next {
            Some(next) if items.len() < MAX_LISTED => after = Some(next),
            _ => return Ok(items),
        }
    }
}

/// A numbered page of `items`.
pub(crate) struct Pager {
    page: usize,
    size: usize,
    base: String,
    /// The request's other query parameters (filters such as `q`), kept in the links as sent.
    filters: String,
}

impl Pager {
    /// Reads the page query; `sized` tells whether the client may choose the size.
    ///
    /// # Errors
    ///
    /// 404 "Invalid page." for a page that is not a positive number.
    pub(crate) fn new(
        query: &PageQuery,
        sized: bool,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<Self, ApiError> {
        let page = match query.page.as_deref() {
            None | Some("") => 1,
            Some("last") => usize::MAX,
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| ApiError::not_found("Invalid page."))?,
        };
        let size = if sized {
            query
                .page_size
                .as_deref()
                .and_then(|raw| raw.parse::<usize>().ok())
                .filter(|s| *s > 0)
                .map_or(DEFAULT_PAGE_SIZE, |s| s.min(MAX_PAGE_SIZE as usize))
        } else {
            DEFAULT_PAGE_SIZE
        };
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let scheme = headers
            .get("x-forwarded-proto")
            .and_then(|h| h.to_str().ok())
            .filter(|p| *p == "https")
            .unwrap_or("http");
        let filters = uri
            .query()
            .unwrap_or_default()
            .split('&')
            .filter(|pair| {
                let key = pair.split('=').next().unwrap_or_default();
                !key.is_empty() && key != "page" && key != "page_size"
            })
            .collect::<Vec<_>>()
            .join("&");
        Ok(Self {
            page,
            size,
            base: format!("{scheme}://{host}{}", uri.path()),
            filters,
        })
    }

    fn url(&self, page: usize, sized: bool) -> String {
        let mut url = format!("{}?page={page}", self.base);
        if sized && self.size != DEFAULT_PAGE_SIZE {
            url = format!("{url}&page_size={}", self.size);
        }
        if !self.filters.is_empty() {
            url = format!("{url}&{}", self.filters);
        }
        url
    }

    /// The page of `items`, the previous and next pages' URLs.
    ///
    /// # Errors
    ///
    /// 404 "Invalid page." past the last page.
    pub(crate) fn cut<T>(&self, mut items: Vec<T>) -> Result<(Vec<T>, Paginated<()>), ApiError> {
        let count = items.len();
        let pages = count.div_ceil(self.size).max(1);
        let page = if self.page == usize::MAX {
            pages
        } else {
            self.page
        };
        if page > pages {
            return Err(ApiError::not_found("Invalid page."));
        }
        let start = (page - 1) * self.size;
        let end = (start + self.size).min(count);
        let results: Vec<T> = items.drain(start..end).collect();
        let sized = self.size != DEFAULT_PAGE_SIZE;
        let envelope = Paginated {
            count,
            next: (page < pages).then(|| self.url(page + 1, sized)),
            previous: (page > 1).then(|| self.url(page - 1, sized)),
            results: Vec::new(),
        };
        Ok((results, envelope))
    }
}

impl Paginated<()> {
    /// The envelope around `results`.
    pub(crate) fn with<T>(self, results: Vec<T>) -> Paginated<T> {
        Paginated {
            count: self.count,
            next: self.next,
            previous: self.previous,
            results,
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn pager(page: Option<&str>, size: Option<&str>) -> Result<Pager, ApiError> {
        pager_at("/api/v1.0/rooms/", page, size)
    }

    fn pager_at(uri: &str, page: Option<&str>, size: Option<&str>) -> Result<Pager, ApiError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("example.org"));
        let query = PageQuery {
            page: page.map(str::to_owned),
            page_size: size.map(str::to_owned),
        };
        Pager::new(&query, true, &uri.parse().unwrap(), &headers)
    }

    #[test]
    fn links_keep_the_filters() {
        let (_, envelope) = pager_at(
            "/api/v1.0/users/?q=ana%40&page=2&page_size=1&x",
            Some("2"),
            Some("1"),
        )
        .unwrap()
        .cut(vec![1, 2, 3])
        .unwrap();
        assert_eq!(
            envelope.next.as_deref(),
            Some("http://example.org/api/v1.0/users/?page=3&page_size=1&q=ana%40&x")
        );
        assert_eq!(
            envelope.previous.as_deref(),
            Some("http://example.org/api/v1.0/users/?page=1&page_size=1&q=ana%40&x")
        );
    }

    #[test]
    fn cuts_numbered_pages_with_links() {
        let (items, envelope) = pager(Some("2"), Some("2"))
            .unwrap()
            .cut((1..=5).collect::<Vec<_>>())
            .unwrap();
        assert_eq!(items, vec![3, 4]);
        assert_eq!(envelope.count, 5);
        assert_eq!(
            envelope.next.as_deref(),
            Some("http://example.org/api/v1.0/rooms/?page=3&page_size=2")
        );
        assert_eq!(
            envelope.previous.as_deref(),
            Some("http://example.org/api/v1.0/rooms/?page=1&page_size=2")
        );
        let (items, envelope) = pager(None, None).unwrap().cut(vec![1]).unwrap();
        assert_eq!(items, vec![1]);
        assert!(envelope.next.is_none() && envelope.previous.is_none());
    }

    #[test]
    fn refuses_invalid_pages() {
        assert!(pager(Some("0"), None).is_err());
        assert!(pager(Some("x"), None).is_err());
        assert!(pager(Some("3"), None).unwrap().cut(vec![1]).is_err());
        // An empty listing still has its first page.
        assert!(
            pager(Some("1"), None)
                .unwrap()
                .cut(Vec::<u8>::new())
                .is_ok()
        );
    }

    #[test]
    fn caps_the_page_size() {
        let pager = pager(None, Some("1000")).unwrap();
        assert_eq!(pager.size, 100);
    }
}
