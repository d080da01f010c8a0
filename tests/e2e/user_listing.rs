//! Listing users (`GET /api/v1.0/users/`, `UserService.ListUsers`): an empty page for every
//! authenticated caller by default; with `ANTEROOM__USERS__ALLOW_LISTING=true`, the active
//! users, newest first, searched by a case-insensitive piece of their e-mail address (`q`).
//!
//! Tests of one server run concurrently and all create users, so every assertion on a listing
//! filters by the test's own tag.

use std::collections::HashSet;

use anteroom_proto::v1::{ListUsersRequest, ListUsersResponse};
use anteroom_testkit::TokenClaims;
use serde_json::{Value, json};
use tonic::{Code, Status};

use crate::harness::{
    Options, Server, Session, SharedGuard, SharedServer, expect_code, expect_invalid, unique,
};
use crate::http_support::Api;

/// Listing left at its default (off).
static OFF: SharedServer = SharedServer::const_new();
/// Listing allowed.
static ON: SharedServer = SharedServer::const_new();

async fn off() -> Option<SharedGuard> {
    crate::harness::shared(&OFF, || Some(Options::embedded().with_issuer())).await
}

async fn on() -> Option<SharedGuard> {
    crate::harness::shared(&ON, || {
        Some(
            Options::postgres()
                .unwrap_or_else(|| Options::embedded().with_issuer())
                .env("ANTEROOM__USERS__ALLOW_LISTING", "true"),
        )
    })
    .await
}

/// A REST caller signed in (and provisioned) with a bearer token carrying `email`.
async fn signed_in(server: &Server, email: &str) -> Api {
    let claims = TokenClaims::user(&format!("listed-{}", unique())).email(Some(email));
    let mut api = Api::anonymous(server).bearer(&server.token(&claims));
    let me = api.get("/api/v1.0/users/me/").await.expect(200);
    me["id"].as_str().expect("an id").clone_into(&mut api.id);
    api
}

/// `ListUsers`, one page.
async fn list_users(
    session: &Session,
    q: &str,
    page_size: i32,
    page_token: &str,
) -> Result<ListUsersResponse, Status> {
    let response = session
        .users()
        .list_users(session.request(ListUsersRequest {
            page_size,
            page_token: page_token.to_owned(),
            q: q.to_owned(),
        }))
        .await?;
    Ok(response.into_inner())
}

/// The ids of every page of `ListUsers` of `page_size` (0: the default) for `q`.
async fn all_ids_over_grpc(session: &Session, q: &str, page_size: i32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut token = String::new();
    for _ in 0..100 {
        let page = list_users(session, q, page_size, &token)
            .await
            .expect("ListUsers");
        // Zero asks for the default size, 20.
        let bound = if page_size == 0 { 20 } else { page_size };
        assert!(page.users.len() <= usize::try_from(bound).expect("a positive size"));
        ids.extend(page.users.into_iter().map(|u| u.id));
        if page.next_page_token.is_empty() {
            return ids;
        }
        token = page.next_page_token;
    }
    panic!("ListUsers never ends");
}

/// Every page of a REST listing from `path`, following the `next` links; returns the pages.
async fn all_pages(server: &Server, api: &Api, path: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut path = path.to_owned();
    for _ in 0..100 {
        let page = api.get(&path).await.expect(200);
        let next = page["next"].as_str().map(|next| {
            next.strip_prefix(&server.http_url())
                .unwrap_or_else(|| panic!("{next} is a link of this server"))
                .to_owned()
        });
        pages.push(page);
        match next {
            Some(next) => path = next,
            None => return pages,
        }
    }
    panic!("the listing never ends");
}

/// The ids of the results of `pages`.
fn ids_of(pages: &[Value]) -> Vec<String> {
    pages
        .iter()
        .flat_map(|page| page["results"].as_array().expect("results").iter())
        .map(|user| user["id"].as_str().expect("an id").to_owned())
        .collect()
}

#[tokio::test]
async fn listing_is_an_empty_page_unless_allowed() {
    let Some(server) = off().await else { return };
    let tag = unique();
    let ana = signed_in(&server, &format!("ana.{tag}@example.test")).await;
    let empty = json!({"count": 0, "next": null, "previous": null, "results": []});
    for path in [
        "/api/v1.0/users/".to_owned(),
        format!("/api/v1.0/users/?q=ana.{tag}"),
        format!("/api/v1.0/users/?q={}", "a".repeat(300)),
    ] {
        assert_eq!(ana.get(&path).await.expect(200), empty, "{path}");
    }
    assert_eq!(
        Api::anonymous(&server)
            .get("/api/v1.0/users/")
            .await
            .expect(401),
        json!({"detail": "Authentication credentials were not provided."})
    );

    let session = server.user("ana").await;
    let page = list_users(&session, "", 0, "").await.expect("ListUsers");
    assert_eq!(page, ListUsersResponse::default());
    expect_code(
        list_users(&server.anonymous(), "", 0, "").await,
        Code::Unauthenticated,
    );
}

#[tokio::test]
async fn allowed_listing_searches_by_email_ignoring_case() {
    let Some(server) = on().await else { return };
    let tag = unique();
    let ana = signed_in(&server, &format!("Ana.{tag}@Example.test")).await;
    let bob = signed_in(&server, &format!("bob.{tag}@example.test")).await;
    let under = signed_in(&server, &format!("under_{tag}@example.test")).await;
    let underx = signed_in(&server, &format!("underx{tag}@example.test")).await;
    let upper = tag.to_uppercase();
    let newest_first = [&underx, &under, &bob, &ana].map(|u| u.id.clone());

    let found = ana
        .get(&format!("/api/v1.0/users/?q=ANA.{upper}"))
        .await
        .expect(200);
    assert_eq!(found["count"], 1, "{found}");
    let me = ana.get("/api/v1.0/users/me/").await.expect(200);
    assert_eq!(
        found["results"],
        json!([me]),
        "the users/me/ representation"
    );
    assert_eq!(me["email"], format!("Ana.{tag}@example.test"));

    // Anywhere in the address, newest first; surrounding spaces are ignored.
    let pages = all_pages(&server, &bob, &format!("/api/v1.0/users/?q=%20{upper}%20")).await;
    assert_eq!(ids_of(&pages), newest_first, "{pages:?}");
    // `_` is a plain character, not a wildcard.
    let literal = bob
        .get(&format!("/api/v1.0/users/?q=r_{tag}"))
        .await
        .expect(200);
    assert_eq!(ids_of(&[literal]), std::slice::from_ref(&under.id));
    // Without `q`, every active user (across pages).
    let everyone = ids_of(&all_pages(&server, &bob, "/api/v1.0/users/?page_size=100").await);
    for user in [&ana, &bob, &under, &underx] {
        assert!(everyone.contains(&user.id), "{} is listed", user.id);
    }

    assert_eq!(
        Api::anonymous(&server)
            .get(&format!("/api/v1.0/users/?q={tag}"))
            .await
            .expect(401),
        json!({"detail": "Authentication credentials were not provided."})
    );

    // The same over gRPC.
    let session = server.user("caller").await;
    assert_eq!(
        all_ids_over_grpc(&session, &format!("ANA.{upper}"), 0).await,
        std::slice::from_ref(&ana.id)
    );
    assert_eq!(
        all_ids_over_grpc(&session, &format!(" {upper} "), 100).await,
        newest_first
    );
    expect_code(
        list_users(&server.anonymous(), &tag, 0, "").await,
        Code::Unauthenticated,
    );
}

#[tokio::test]
async fn pagination_walks_every_user_once() {
    let Some(server) = on().await else { return };
    let tag = unique();
    let mut expected = Vec::new();
    for n in 0..23 {
        expected.push(
            signed_in(&server, &format!("page{n}.{tag}@example.test"))
                .await
                .id,
        );
    }
    expected.reverse();
    let caller = signed_in(&server, &format!("walker-{}@example.test", unique())).await;

    // The default page size is 20; the links keep the search.
    let pages = all_pages(&server, &caller, &format!("/api/v1.0/users/?q={tag}")).await;
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0]["count"], 23);
    assert_eq!(pages[0]["results"].as_array().map(Vec::len), Some(20));
    assert!(pages[0]["previous"].is_null());
    let next = pages[0]["next"].as_str().expect("a next page");
    assert!(
        next.ends_with(&format!("/api/v1.0/users/?page=2&q={tag}")),
        "{next}"
    );
    assert!(pages[1]["next"].is_null());
    assert!(
        pages[1]["previous"]
            .as_str()
            .is_some_and(|p| p.ends_with(&format!("?page=1&q={tag}")))
    );
    assert_eq!(ids_of(&pages), expected);

    let small = all_pages(
        &server,
        &caller,
        &format!("/api/v1.0/users/?q={tag}&page_size=5"),
    )
    .await;
    assert_eq!(small.len(), 5);
    let ids = ids_of(&small);
    assert_eq!(ids, expected);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
    // Past the last page.
    caller
        .get(&format!("/api/v1.0/users/?q={tag}&page=3"))
        .await
        .expect(404);

    let session = server.user("walker").await;
    for size in [1, 4, 23, 100] {
        assert_eq!(
            all_ids_over_grpc(&session, &tag, size).await,
            expected,
            "page size {size}"
        );
    }
}

#[tokio::test]
async fn an_overlong_or_null_search_is_refused_naming_q() {
    let Some(server) = on().await else { return };
    let ana = signed_in(&server, &format!("ana.{}@example.test", unique())).await;
    let refused = ana
        .get(&format!("/api/v1.0/users/?q={}", "a".repeat(255)))
        .await
        .expect(400);
    assert!(refused["q"].is_array(), "{refused}");
    let longest = ana
        .get(&format!("/api/v1.0/users/?q={}", "a".repeat(254)))
        .await
        .expect(200);
    assert_eq!(longest["count"], 0);
    // NUL is in no address (and PostgreSQL refuses it in text).
    let refused = ana.get("/api/v1.0/users/?q=a%00b").await.expect(400);
    assert!(refused["q"].is_array(), "{refused}");

    let session = server.user("ana").await;
    expect_invalid(list_users(&session, &"a".repeat(255), 0, "").await, "q");
    expect_invalid(list_users(&session, "", -1, "").await, "page_size");
    expect_invalid(
        list_users(&session, "", 0, "not-a-token").await,
        "page_token",
    );
}
