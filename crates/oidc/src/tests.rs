//! The verifier against tokens signed by the test issuer's real keys.

use anteroom_testkit::oidc::{Alg, TestIssuer, TokenClaims};

use super::*;

fn verifier(issuer: &TestIssuer, audience: Option<&str>) -> JwksVerifier {
    JwksVerifier::new(OidcSettings::new(
        issuer.issuer.clone(),
        Some(issuer.jwks_url()),
        audience.map(str::to_owned),
    ))
    .unwrap()
}

fn refused(result: Result<IdentityClaims, Error>) -> String {
    match result {
        Err(Error::Unauthenticated(message)) => message,
        other => panic!("expected Unauthenticated, got {other:?}"),
    }
}

#[tokio::test]
async fn accepts_rs256_and_es256_tokens_and_reads_the_profile() {
    let issuer = TestIssuer::new();
    let verifier = verifier(&issuer, Some(&issuer.audience));
    for alg in [Alg::Rs256, Alg::Es256] {
        let token = issuer.token(&TokenClaims::user("sub-42").alg(alg));
        let claims = verifier.verify(&token).await.unwrap();
        assert_eq!(claims.subject, "sub-42");
        assert!(claims.email.is_some());
    }
}

#[tokio::test]
async fn refuses_expired_foreign_and_tampered_tokens() {
    let issuer = TestIssuer::new();
    let verifier = verifier(&issuer, Some(&issuer.audience));
    let expired = issuer.token(&TokenClaims::user("s").expires_in(-3600));
    assert!(refused(verifier.verify(&expired).await).contains("expired"));
    let other_issuer = issuer.token(&TokenClaims::user("s").issuer("https://evil.example"));
    assert!(refused(verifier.verify(&other_issuer).await).contains("issuer"));
    let other_audience = issuer.token(&TokenClaims::user("s").audience("someone-else"));
    assert!(refused(verifier.verify(&other_audience).await).contains("audience"));
    let unknown_key = issuer.token_signed_by_unknown_key(&TokenClaims::user("s"));
    refused(verifier.verify(&unknown_key).await);
    let unknown_kid = issuer.token_with_unknown_kid(&TokenClaims::user("s"));
    refused(verifier.verify(&unknown_kid).await);
    refused(verifier.verify("not.a.jwt").await);
    refused(verifier.verify("").await);
    let good = issuer.token(&TokenClaims::user("s"));
    let mut tampered = good.clone();
    tampered.insert(good.find('.').unwrap() + 2, 'x');
    refused(verifier.verify(&tampered).await);
}

#[tokio::test]
async fn audience_is_not_checked_when_none_is_configured() {
    let issuer = TestIssuer::new();
    let verifier = verifier(&issuer, None);
    let token = issuer.token(&TokenClaims::user("s").audience("anything"));
    assert_eq!(verifier.verify(&token).await.unwrap().subject, "s");
}

#[tokio::test]
async fn symmetric_algorithms_are_refused() {
    let issuer = TestIssuer::new();
    let verifier = verifier(&issuer, None);
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS256),
        &serde_json::json!({"sub": "s", "iss": issuer.issuer, "exp": 4_000_000_000_u64}),
        &jsonwebtoken::EncodingKey::from_secret(b"secret"),
    )
    .unwrap();
    assert!(refused(verifier.verify(&hs256).await).contains("algorithm"));
}

#[tokio::test]
async fn unreachable_keys_make_the_provider_unavailable() {
    let issuer = TestIssuer::new();
    let verifier = JwksVerifier::new(OidcSettings::new(
        issuer.issuer.clone(),
        Some("file:///nonexistent/jwks.json".to_owned()),
        None,
    ))
    .unwrap();
    let token = issuer.token(&TokenClaims::user("s"));
    assert!(matches!(
        verifier.verify(&token).await,
        Err(Error::Unavailable {
            dependency: "identity provider",
            ..
        })
    ));
    let closed = JwksVerifier::new(OidcSettings::new(
        issuer.issuer.clone(),
        Some("http://127.0.0.1:1/jwks".to_owned()),
        None,
    ))
    .unwrap();
    assert!(matches!(
        closed.verify(&token).await,
        Err(Error::Unavailable { .. })
    ));
}

#[test]
fn unsupported_jwks_schemes_are_refused_naming_the_setting() {
    let settings = OidcSettings::new("i".to_owned(), Some("ftp://x".to_owned()), None);
    match JwksVerifier::new(settings) {
        Err(Error::Invalid(v)) => assert_eq!(v[0].field, "auth.oidc.jwks_url"),
        Err(other) => panic!("unexpected {other:?}"),
        Ok(_) => panic!("accepted ftp"),
    }
}
