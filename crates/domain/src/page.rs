//! Keyset pagination shared by the list use cases.

use crate::Invalid;

/// The largest page a caller may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The page size used when the caller does not choose one.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// A validated page size (1 to [`MAX_PAGE_SIZE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(u32);

impl PageSize {
    /// Interprets a requested size: 0 means the default, larger than the maximum is capped,
    /// negative is refused.
    pub fn from_request(requested: i32) -> Result<Self, Invalid> {
        match u32::try_from(requested) {
            Err(_) => Err(Invalid::new("must not be negative")),
            Ok(0) => Ok(Self(DEFAULT_PAGE_SIZE)),
            Ok(n) => Ok(Self(n.min(MAX_PAGE_SIZE))),
        }
    }

    /// The size as a number.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self(DEFAULT_PAGE_SIZE)
    }
}

/// Which page to read: at most `size` items strictly after `after` in the listing's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest<C> {
    /// How many items at most.
    pub size: PageSize,
    /// The position of the last item of the previous page.
    pub after: Option<C>,
}

impl<C> Default for PageRequest<C> {
    fn default() -> Self {
        Self {
            size: PageSize::default(),
            after: None,
        }
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T, C> {
    /// The items, in the listing's order.
    pub items: Vec<T>,
    /// Where the next page starts, if there may be one.
    pub next: Option<C>,
}

impl<T, C> Page<T, C> {
    /// Builds a page from `size + 1` fetched items: the extra one only tells that more exist.
    pub fn from_overfetch(mut items: Vec<T>, size: PageSize, cursor: impl Fn(&T) -> C) -> Self {
        let size = size.get() as usize;
        let more = items.len() > size;
        items.truncate(size);
        let next = if more { items.last().map(cursor) } else { None };
        Self { items, next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_defaults_caps_and_refuses_negative() {
        assert_eq!(PageSize::from_request(0).unwrap().get(), DEFAULT_PAGE_SIZE);
        assert_eq!(PageSize::from_request(7).unwrap().get(), 7);
        assert_eq!(PageSize::from_request(10_000).unwrap().get(), MAX_PAGE_SIZE);
        assert!(PageSize::from_request(-1).is_err());
    }

    #[test]
    fn overfetch_tells_whether_more_exist() {
        let size = PageSize::from_request(2).unwrap();
        let page = Page::from_overfetch(vec![1, 2, 3], size, |n| *n);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next, Some(2));
        let last = Page::from_overfetch(vec![1, 2], size, |n| *n);
        assert_eq!(last.next, None);
    }
}
