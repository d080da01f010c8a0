//! The S3 signer checked against an independent implementation of Signature Version 4 (the
//! algorithm as AWS documents it, written here with `hmac` and `sha2`), and end to end: a
//! local object store that verifies the signature serves the object to a request carrying
//! the signed headers, and refuses it when anything changes.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::collections::HashMap;
use std::sync::Arc;

use anteroom_domain::recording::{ObjectSigner, SignedRequest};
use anteroom_notify::{S3Config, S3Signer};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;

const ACCESS_KEY: &str = "AKIDEXAMPLE";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// SigV4 of a body-less `GET` signing `host`, `x-amz-content-sha256` and `x-amz-date`.
fn expected_signature(
    secret: &str,
    region: &str,
    host: &str,
    path: &str,
    amz_date: &str,
) -> String {
    let canonical_request = format!(
        "GET\n{path}\n\nhost:{host}\nx-amz-content-sha256:{EMPTY_SHA256}\nx-amz-date:{amz_date}\n\n\
         host;x-amz-content-sha256;x-amz-date\n{EMPTY_SHA256}"
    );
    let day = &amz_date[..8];
    let scope = format!("{day}/{region}/s3/aws4_request");
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let key = hmac(format!("AWS4{secret}").as_bytes(), day);
    let key = hmac(&key, region);
    let key = hmac(&key, "s3");
    let key = hmac(&key, "aws4_request");
    hex::encode(hmac(&key, &string_to_sign))
}

fn config(endpoint: Option<String>) -> S3Config {
    S3Config {
        endpoint,
        region: "eu-west-3".to_owned(),
        bucket: "anteroom-recordings".to_owned(),
        access_key: ACCESS_KEY.to_owned(),
        secret_key: SECRET_KEY.to_owned(),
    }
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap()
}

fn headers(signed: &SignedRequest) -> HashMap<String, String> {
    signed.headers.iter().cloned().collect()
}

#[test]
fn the_signature_is_sigv4_as_documented() {
    let signed = S3Signer::new(config(Some("http://127.0.0.1:9000".to_owned())))
        .sign_get("recordings/abc.mp4", at())
        .unwrap();
    assert_eq!(
        signed.url,
        "http://127.0.0.1:9000/anteroom-recordings/recordings/abc.mp4"
    );
    let headers = headers(&signed);
    assert_eq!(headers["X-Amz-Date"], "20261122T100000Z");
    assert_eq!(headers["X-Amz-Content-SHA256"], EMPTY_SHA256);
    let signature = expected_signature(
        SECRET_KEY,
        "eu-west-3",
        "127.0.0.1:9000",
        "/anteroom-recordings/recordings/abc.mp4",
        "20261122T100000Z",
    );
    assert_eq!(
        headers["Authorization"],
        format!(
            "AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20261122/eu-west-3/s3/aws4_request, \
             SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}"
        )
    );
}

#[test]
fn aws_objects_are_signed_for_their_virtual_host() {
    let signed = S3Signer::new(config(None))
        .sign_get("recordings/abc.ogg", at())
        .unwrap();
    assert_eq!(
        signed.url,
        "https://anteroom-recordings.s3.eu-west-3.amazonaws.com/recordings/abc.ogg"
    );
    let signature = expected_signature(
        SECRET_KEY,
        "eu-west-3",
        "anteroom-recordings.s3.eu-west-3.amazonaws.com",
        "/recordings/abc.ogg",
        "20261122T100000Z",
    );
    assert!(headers(&signed)["Authorization"].ends_with(&format!("Signature={signature}")));
}

/// An object store holding one object, serving it only to correctly signed requests.
async fn object_store(path: &'static str, content: &'static [u8]) -> String {
    async fn serve(State(object): State<Arc<(String, Vec<u8>)>>, request: Request) -> Response {
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let host = header("host");
        let amz_date = header("x-amz-date");
        if amz_date.len() != 16 || header("x-amz-content-sha256") != EMPTY_SHA256 {
            return StatusCode::FORBIDDEN.into_response();
        }
        let path = request.uri().path().to_owned();
        let signature = expected_signature(SECRET_KEY, "eu-west-3", &host, &path, &amz_date);
        let authorization = header("authorization");
        if !authorization.ends_with(&format!("Signature={signature}")) {
            return StatusCode::FORBIDDEN.into_response();
        }
        if path != object.0 {
            return StatusCode::NOT_FOUND.into_response();
        }
        Response::new(Body::from(object.1.clone()))
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .fallback(serve)
        .with_state(Arc::new((path.to_owned(), content.to_vec())));
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn the_signed_headers_fetch_the_object_and_nothing_else() {
    let endpoint = object_store(
        "/anteroom-recordings/recordings/abc.mp4",
        b"an mp4 recording",
    )
    .await;
    let store = S3Signer::new(config(Some(endpoint)));
    let client = reqwest::Client::new();
    let get = |signed: SignedRequest, url: Option<String>| {
        let mut request = client.get(url.unwrap_or_else(|| signed.url.clone()));
        for (name, value) in &signed.headers {
            request = request.header(name, value);
        }
        request.send()
    };

    let good = store.sign_get("recordings/abc.mp4", Utc::now()).unwrap();
    let response = get(good.clone(), None).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        b"an mp4 recording"
    );

    // The signature is for this object only.
    let other = good.url.replace("abc.mp4", "other.mp4");
    let response = get(good, Some(other)).await.unwrap();
    assert_eq!(response.status(), 403);

    // Another secret signs differently.
    let wrong = S3Signer::new(S3Config {
        secret_key: "not-the-secret".to_owned(),
        ..config(Some(
            store
                .sign_get("x", Utc::now())
                .unwrap()
                .url
                .replace("/anteroom-recordings/x", ""),
        ))
    });
    let forged = wrong.sign_get("recordings/abc.mp4", Utc::now()).unwrap();
    assert_eq!(get(forged, None).await.unwrap().status(), 403);
}
