//! The relying party of the browser login: OpenID discovery (cached), the authorization URL
//! (authorization code + PKCE S256 + state + nonce), the code exchange with ID token checks,
//! the userinfo claims, and the end-session URL — on the `openidconnect` crate, with its HTTP
//! calls made by `reqwest` (no redirects followed, bounded time and size).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anteroom_domain::Error;
use anteroom_domain::auth::IdentityClaims;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AsyncHttpClient, AuthorizationCode, Client, ClientId, ClientSecret,
    CsrfToken, EmptyExtraTokenFields, EndSessionUrl, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    HttpRequest, HttpResponse, IdTokenClaims, IdTokenFields, IssuerUrl, LogoutRequest, Nonce,
    OAuth2TokenResponse as _, PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl,
    ProviderMetadataWithLogout, RedirectUrl, RequestTokenError, Scope, StandardErrorResponse,
    StandardTokenResponse, TokenResponse as _, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

/// The name of the identity provider in [`Error::Unavailable`].
const DEPENDENCY: &str = "identity provider";
/// How long discovered metadata and keys are used before being fetched again.
const DISCOVERY_TTL: Duration = Duration::from_hours(1);
/// The longest one call to the provider may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read from the provider.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// The claims read beyond the standard ones: La Suite Meet providers' `usual_name`
/// (ProConnect), and the provider's session id `sid` (back-channel logout names it).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ExtraClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    usual_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
}

impl AdditionalClaims for ExtraClaims {}

type IdFields = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<IdFields, CoreTokenType>;
type OidcClient = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why an HTTP call to the provider failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    /// The request could not be sent or the answer read.
    #[error("{0}")]
    Transport(#[from] reqwest::Error),
    /// The answer is over [`MAX_ANSWER_BYTES`].
    #[error("the answer is too large")]
    TooLarge,
    /// The answer could not be rebuilt.
    #[error("{0}")]
    Http(#[from] http::Error),
}

/// `reqwest` as the `openidconnect` crate's HTTP client.
#[derive(Debug, Clone)]
pub(crate) struct HttpClient(reqwest::Client);

impl HttpClient {
    fn new() -> Result<Self, Error> {
        reqwest::Client::builder()
            // A redirect from the provider's endpoints is not followed (no SSRF through them).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(CALL_TIMEOUT)
            .build()
            .map(Self)
            .map_err(Error::internal)
    }
}

impl<'c> AsyncHttpClient<'c> for HttpClient {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let mut response = self
                .0
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .body(body)
                .send()
                .await?;
            let mut answer = http::Response::builder().status(response.status());
            if let Some(headers) = answer.headers_mut() {
                *headers = response.headers().clone();
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Err(HttpError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(answer.body(body)?)
        })
    }
}

/// The provider's metadata and keys, as discovered, with the client built on them.
struct Discovered {
    client: OidcClient,
    end_session: Option<EndSessionUrl>,
    at: Instant,
}

/// What a successful code exchange yields.
pub(crate) struct Identity {
    /// The user's claims (ID token, completed by the userinfo endpoint).
    pub(crate) claims: IdentityClaims,
    /// The raw ID token, kept for the logout's `id_token_hint`.
    pub(crate) id_token: String,
    /// The provider's session (the ID token's `sid`), when it names one.
    pub(crate) provider_session: Option<String>,
}

/// What the authorization redirect carries and the callback must check.
pub(crate) struct Authorization {
    /// Where to send the browser.
    pub(crate) url: String,
    /// The PKCE verifier of the challenge sent.
    pub(crate) pkce_verifier: String,
}

/// A login refused: the message says why (shown to the caller as `Login failed: ...`).
#[derive(Debug)]
pub(crate) enum Refusal {
    /// Refused by the protocol (bad code, bad ID token, ...).
    Refused(String),
    /// A dependency failure (domain error).
    Failed(Error),
}

impl From<Error> for Refusal {
    fn from(error: Error) -> Self {
        Self::Failed(error)
    }
}

/// The identity provider, as a relying party sees it.
pub(crate) struct Provider {
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    redirect: RedirectUrl,
    http: HttpClient,
    discovered: Mutex<Option<Arc<Discovered>>>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("issuer", &self.issuer.as_str())
            .field("client_id", &self.client_id.as_str())
            .finish_non_exhaustive()
    }
}

fn discovery_failed<E: std::error::Error + Send + Sync + 'static>(error: E) -> Error {
    Error::unavailable(DEPENDENCY, error)
}

impl Provider {
    /// The provider of `issuer` for this client.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for an issuer or redirect URL that is not a URL.
    pub(crate) fn new(
        issuer: &str,
        client_id: &str,
        client_secret: Option<&str>,
        redirect_url: &str,
    ) -> Result<Self, Error> {
        Ok(Self {
            issuer: IssuerUrl::new(issuer.to_owned())
                .map_err(|e| Error::invalid("issuer", e.to_string()))?,
            client_id: ClientId::new(client_id.to_owned()),
            client_secret: client_secret.map(|s| ClientSecret::new(s.to_owned())),
            redirect: RedirectUrl::new(redirect_url.to_owned())
                .map_err(|e| Error::invalid("redirect_url", e.to_string()))?,
            http: HttpClient::new()?,
            discovered: Mutex::new(None),
        })
    }

    /// The discovered provider: cached for [`DISCOVERY_TTL`], fetched again when older or
    /// when `refresh` (its keys may have rotated).
    async fn discovered(&self, refresh: bool) -> Result<Arc<Discovered>, Error> {
        let mut cached = self.discovered.lock().await;
        if let Some(found) = cached.as_ref()
            && !refresh
            && found.at.elapsed() < DISCOVERY_TTL
        {
            return Ok(found.clone());
        }
        let metadata = ProviderMetadataWithLogout::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(discovery_failed)?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let client = OidcClient::from_provider_metadata(
            metadata,
            self.client_id.clone(),
            self.client_secret.clone(),
        )
        .set_redirect_uri(self.redirect.clone());
        let found = Arc::new(Discovered {
            client,
            end_session,
            at: Instant::now(),
        });
        *cached = Some(found.clone());
        Ok(found)
    }

    /// The authorization URL for a new login with this state and nonce (scopes `openid
    /// email profile`, PKCE S256).
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] when the provider cannot be discovered.
    pub(crate) async fn authorize(&self, state: &str, nonce: &str) -> Result<Authorization, Error> {
        let discovered = self.discovered(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (state, nonce) = (state.to_owned(), nonce.to_owned());
        let (url, _, _) = discovered
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .add_scope(Scope::new("email".to_owned()))
            .add_scope(Scope::new("profile".to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Authorization {
            url: url.to_string(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code (with the PKCE verifier), checks the ID token (signature, issuer,
    /// audience, expiry, nonce) and completes its claims from the userinfo endpoint.
    pub(crate) async fn exchange(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Identity, Refusal> {
        let discovered = self.discovered(false).await?;
        let tokens = discovered
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| Refusal::Failed(Error::internal(e)))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|error| match error {
                RequestTokenError::ServerResponse(answer) => Refusal::Refused(format!(
                    "the identity provider refused the code ({}).",
                    answer.error()
                )),
                RequestTokenError::Request(cause) => {
                    Refusal::Failed(Error::unavailable(DEPENDENCY, cause))
                }
                other => Refusal::Failed(Error::upstream(
                    "The identity provider answered the code exchange unexpectedly.",
                    other,
                )),
            })?;
        let id_token = tokens.id_token().ok_or_else(|| {
            Refusal::Refused("the identity provider sent no ID token.".to_owned())
        })?;
        let nonce = Nonce::new(nonce.to_owned());
        let claims = match id_token.claims(&discovered.client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
                // The provider may have rotated its keys since they were discovered.
                let fresh = self.discovered(true).await?;
                id_token
                    .claims(&fresh.client.id_token_verifier(), &nonce)
                    .map_err(|e| Refusal::Refused(format!("invalid ID token: {e}.")))?
                    .clone()
            }
            Err(e) => return Err(Refusal::Refused(format!("invalid ID token: {e}."))),
        };
        let mut identity = identity_of(&claims);
        let provider_session = claims
            .additional_claims()
            .sid
            .clone()
            .filter(|sid| !sid.is_empty() && sid.len() <= 255);
        if let Ok(request) = discovered.client.user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        ) {
            let info: UserInfoClaims<ExtraClaims, CoreGenderClaim> = request
                .request_async(&self.http)
                .await
                .map_err(|error| match error {
                    openidconnect::UserInfoError::Request(cause) => {
                        Refusal::Failed(Error::unavailable(DEPENDENCY, cause))
                    }
                    openidconnect::UserInfoError::ClaimsVerification(e) => {
                        Refusal::Refused(format!("invalid userinfo: {e}."))
                    }
                    other => Refusal::Failed(Error::upstream(
                        "The identity provider answered the userinfo request unexpectedly.",
                        other,
                    )),
                })?;
            complete(&mut identity, &info);
        }
        Ok(Identity {
            claims: identity,
            id_token: id_token.to_string(),
            provider_session,
        })
    }

    /// Where the browser goes to end its session at the provider, when the provider has an
    /// end-session endpoint (with the ID token as hint and the post-logout URL, if any).
    pub(crate) async fn end_session_url(
        &self,
        id_token: Option<&str>,
        post_logout: Option<&str>,
    ) -> Option<String> {
        let discovered = match self.discovered(false).await {
            Ok(discovered) => discovered,
            Err(error) => {
                tracing::warn!(error = %error, cause = ?std::error::Error::source(&error), "no end-session endpoint: the provider cannot be discovered");
                return None;
            }
        };
        let endpoint = discovered.end_session.clone()?;
        let mut request = LogoutRequest::from(endpoint).set_client_id(self.client_id.clone());
        if let Some(token) = id_token.and_then(|t| t.parse::<IdFieldsToken>().ok()) {
            request = request.set_id_token_hint(&token);
        }
        if let Some(url) = post_logout.and_then(|u| PostLogoutRedirectUrl::new(u.to_owned()).ok()) {
            request = request.set_post_logout_redirect_uri(url);
        }
        Some(request.http_get_url().to_string())
    }
}

type IdFieldsToken = openidconnect::IdToken<
    ExtraClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

fn text<T: std::ops::Deref<Target = String>>(value: Option<&T>) -> Option<String> {
    value.map(|v| v.as_str().to_owned())
}

/// The identity the ID token vouches for.
fn identity_of(claims: &IdTokenClaims<ExtraClaims, CoreGenderClaim>) -> IdentityClaims {
    IdentityClaims {
        subject: claims.subject().as_str().to_owned(),
        email: text(claims.email()),
        given_name: text(claims.given_name().and_then(|n| n.get(None))),
        family_name: text(claims.family_name().and_then(|n| n.get(None))),
        usual_name: claims.additional_claims().usual_name.clone(),
        name: text(claims.name().and_then(|n| n.get(None))),
    }
}

/// Completes the ID token's claims with the userinfo endpoint's (which win when present).
fn complete(identity: &mut IdentityClaims, info: &UserInfoClaims<ExtraClaims, CoreGenderClaim>) {
    let or = |new: Option<String>, old: &mut Option<String>| {
        if new.is_some() {
            *old = new;
        }
    };
    or(text(info.email()), &mut identity.email);
    or(
        text(info.given_name().and_then(|n| n.get(None))),
        &mut identity.given_name,
    );
    or(
        text(info.family_name().and_then(|n| n.get(None))),
        &mut identity.family_name,
    );
    or(
        info.additional_claims().usual_name.clone(),
        &mut identity.usual_name,
    );
    or(
        text(info.name().and_then(|n| n.get(None))),
        &mut identity.name,
    );
}
