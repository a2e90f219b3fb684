//! Staff sign-in through Keycloak (OpenID Connect), with the `openidconnect` crate doing
//! discovery, JWKS, PKCE and every check of the ID token (signature, issuer, audience,
//! expiry, nonce). Here: which of our roles a person's Keycloak roles give, the provider's
//! tokens sealed for keeping, and the few calls the sign-in routes and sessions make.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdToken, IdTokenClaims,
    IdTokenFields, IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, RefreshToken,
    RequestTokenError, StandardErrorResponse, StandardTokenResponse, TokenResponse,
};
use ring::aead;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tis_core::Role;

use crate::config::{Config, OidcConfig};

/// Every claim of the ID token beyond the standard ones, as sent, so that the roles can
/// be found by claim name or JSON pointer wherever Keycloak's mappers put them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OtherClaims(pub serde_json::Map<String, serde_json::Value>);
impl AdditionalClaims for OtherClaims {}

type OurIdToken = IdToken<
    OtherClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type OurTokenResponse = StandardTokenResponse<
    IdTokenFields<
        OtherClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;
/// A client made from the provider's discovery document.
type OurClient = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    OurTokenResponse,
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

/// Where Keycloak sends the browser back to; register it in Keycloak as a valid
/// redirect URI.
pub const CALLBACK_PATH: &str = "/auth/oidc/callback";
/// Where the sign-in page's "Sign in with your TIS account" button posts.
pub const START_PATH: &str = "/auth/oidc/start";
/// Where Keycloak sends the browser after signing out there; register it in Keycloak
/// as a valid post logout redirect URI.
pub const AFTER_SIGN_OUT_PATH: &str = "/sign-in";

/// The highest of our roles that `claims` give through `map`, or `None` when they give
/// none. `roles_claim` is a claim name or, starting with `/`, a JSON pointer (RFC 6901)
/// into the claims; the claim may hold one role as a string or a list of them.
pub fn role_from_claims(
    claims: &serde_json::Map<String, serde_json::Value>,
    roles_claim: &str,
    map: &BTreeMap<String, Role>,
) -> Option<Role> {
    let found = if roles_claim.starts_with('/') {
        // A pointer's first step is the claim itself.
        serde_json::Value::Object(claims.clone())
            .pointer(roles_claim)
            .cloned()
    } else {
        claims.get(roles_claim).cloned()
    }?;
    let names: Vec<&str> = match &found {
        serde_json::Value::String(one) => vec![one.as_str()],
        serde_json::Value::Array(many) => many.iter().filter_map(|v| v.as_str()).collect(),
        _ => Vec::new(),
    };
    names
        .iter()
        .filter_map(|n| map.get(*n).copied())
        .max_by_key(|r| match r {
            Role::Admin => 3,
            Role::Editor => 2,
            Role::Support => 1,
            Role::Prober => 0,
        })
}

/// Why a sign-in or a check through Keycloak did not work, in words for the person.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OidcError {
    /// Keycloak could not be reached, or answered with something that is not OpenID.
    #[error("We could not reach Keycloak, where TIS accounts are checked: {0}")]
    Unreachable(String),
    /// Keycloak said no (a refused or used code, an ended Keycloak sign-in).
    #[error("Keycloak did not sign you in: {0}")]
    Refused(String),
    /// What came back did not pass the checks (signature, issuer, audience, expiry, nonce).
    #[error("The sign-in that came back from Keycloak could not be trusted: {0}")]
    Untrusted(String),
}

/// A person Keycloak has vouched for, and the tokens to keep for signing out and
/// checking again.
#[derive(Debug, Clone)]
pub struct Vouched {
    /// Their Keycloak user name (`preferred_username`), else the subject.
    pub name: String,
    /// The highest of our roles their Keycloak roles give, if any.
    pub role: Option<Role>,
    /// What to keep for signing out of Keycloak and checking again.
    pub tokens: Tokens,
}

/// The provider's tokens, kept sealed in the session row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tokens {
    pub id_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// A sign-in through Keycloak to begin: where to send the browser, and what to keep.
pub struct Begun {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Sign-in through one Keycloak realm.
pub struct Oidc {
    pub config: OidcConfig,
    http: reqwest::Client,
    redirect: RedirectUrl,
    after_sign_out: PostLogoutRedirectUrl,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Oidc {
    /// From the config, when `[auth.oidc]` is there. Nothing is fetched yet: the server
    /// must start (and break-glass sign-in work) while Keycloak is down.
    pub fn from_config(config: &Config) -> Result<Option<Oidc>, String> {
        let Some(oidc) = &config.oidc else {
            return Ok(None);
        };
        let base = config.public_url();
        let http = reqwest::Client::builder()
            // OpenID endpoints never redirect; following one would let a bad discovery
            // document send our client secret elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("the HTTP client for Keycloak cannot be made: {e}"))?;
        Ok(Some(Oidc {
            config: oidc.clone(),
            http,
            redirect: RedirectUrl::new(format!("{base}{CALLBACK_PATH}"))
                .map_err(|e| format!("[server] public_url gives no callback address: {e}"))?,
            after_sign_out: PostLogoutRedirectUrl::new(format!("{base}{AFTER_SIGN_OUT_PATH}"))
                .map_err(|e| format!("[server] public_url gives no sign-out address: {e}"))?,
        }))
    }

    /// The callback address to register in Keycloak.
    pub fn callback_url(&self) -> &str {
        self.redirect.as_str()
    }

    /// Reads the provider's discovery document and keys. Each sign-in and check reads
    /// them afresh: they are rare, and a rotated key or a provider that has gone is then
    /// noticed at once rather than after a cache expires.
    async fn discover(&self) -> Result<(ProviderMetadataWithLogout, OurClient), OidcError> {
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|e| OidcError::Unreachable(e.to_string()))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcError::Unreachable(discovery_words(&e)))?;
        let client = Client::from_provider_metadata(
            metadata.clone(),
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect.clone());
        Ok((metadata, client))
    }

    /// Starts a sign-in: the address at Keycloak to send the browser to.
    pub async fn begin(&self) -> Result<Begun, OidcError> {
        let (_, client) = self.discover().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(openidconnect::Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Begun {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Finishes a sign-in: trades the code for tokens and checks the ID token.
    pub async fn finish(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Vouched, OidcError> {
        let (_, client) = self.discover().await?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| OidcError::Unreachable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let nonce = Nonce::new(nonce.to_string());
        self.vouched(&client, &response, &nonce, None)
    }

    /// Checks a Keycloak session again with its refresh token: who it is now and which
    /// role they hold now. The ID token must be for the same person.
    pub async fn refresh(&self, tokens: &Tokens, name: &str) -> Result<Vouched, OidcError> {
        let Some(refresh) = &tokens.refresh_token else {
            return Err(OidcError::Refused(
                "Keycloak gave no way to check this sign-in again, so sign in again".into(),
            ));
        };
        let (_, client) = self.discover().await?;
        let refresh = RefreshToken::new(refresh.clone());
        let response = client
            .exchange_refresh_token(&refresh)
            .map_err(|e| OidcError::Unreachable(e.to_string()))?
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let mut vouched = self.vouched(
            &client,
            &response,
            // A refreshed ID token carries the first one's nonce, if any (OpenID Connect
            // Core 12.2); what matters here is its signature and the person.
            |_: Option<&Nonce>| Ok(()),
            Some(name),
        )?;
        if vouched.tokens.refresh_token.is_none() {
            // Keycloak may keep the same refresh token rather than rotate it.
            vouched.tokens.refresh_token = Some(refresh.secret().clone());
        }
        Ok(vouched)
    }

    fn vouched(
        &self,
        client: &OurClient,
        response: &OurTokenResponse,
        nonce: impl openidconnect::NonceVerifier,
        same_person: Option<&str>,
    ) -> Result<Vouched, OidcError> {
        let id_token: &OurIdToken = response.id_token().ok_or_else(|| {
            OidcError::Untrusted("Keycloak sent no ID token (is the openid scope allowed?)".into())
        })?;
        let claims: &IdTokenClaims<OtherClaims, CoreGenderClaim> = id_token
            .claims(&client.id_token_verifier(), nonce)
            .map_err(|e| {
                tracing::warn!(error = %e, "an ID token failed its checks");
                OidcError::Untrusted(untrusted_words(&e).into())
            })?;
        let name = claims
            .preferred_username()
            .map(|n| n.as_str().to_string())
            .unwrap_or_else(|| claims.subject().as_str().to_string());
        if let Some(before) = same_person
            && before != name
        {
            return Err(OidcError::Untrusted(
                "the checked sign-in is for someone else".into(),
            ));
        }
        let role = role_from_claims(
            &claims.additional_claims().0,
            &self.config.roles_claim,
            &self.config.roles,
        );
        Ok(Vouched {
            name,
            role,
            tokens: Tokens {
                id_token: id_token.to_string(),
                refresh_token: response.refresh_token().map(|t| t.secret().clone()),
            },
        })
    }

    /// Where to send the browser so that Keycloak ends its sign-in too, with the ID token
    /// as a hint (so Keycloak need not ask) and this server's sign-in page to come back
    /// to. `None` when Keycloak cannot be reached or offers no way to sign out.
    pub async fn sign_out_url(&self, tokens: &Tokens) -> Option<String> {
        let (metadata, _) = match self.discover().await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, "Keycloak's sign-out address could not be read");
                return None;
            }
        };
        let end = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let hint: OurIdToken = tokens.id_token.parse().ok()?;
        Some(
            LogoutRequest::from(end)
                .set_id_token_hint(&hint)
                .set_client_id(ClientId::new(self.config.client_id.clone()))
                .set_post_logout_redirect_uri(self.after_sign_out.clone())
                .http_get_url()
                .to_string(),
        )
    }
}

/// Why an ID token failed its checks, for the person signing in; the library's own
/// words (with times in UTC) go to the log.
fn untrusted_words(e: &openidconnect::ClaimsVerificationError) -> &'static str {
    use openidconnect::ClaimsVerificationError as C;
    use openidconnect::SignatureVerificationError as S;
    match e {
        C::Expired(_) => "it had expired",
        C::SignatureVerification(S::NoMatchingKey) => {
            "it is signed with a key that Keycloak does not publish"
        }
        C::SignatureVerification(_) => {
            "its signature does not match what it says, so it was changed after Keycloak signed it"
        }
        C::InvalidAudience(_) => "it was made for another application, not this status page",
        C::InvalidIssuer(_) => "it was made by another Keycloak realm than the one set up here",
        C::InvalidNonce(_) => "it belongs to another sign-in than the one this browser started",
        _ => "it did not pass the checks",
    }
}

/// A discovery failure in words, without the body of whatever answered.
fn discovery_words<E: std::error::Error>(e: &openidconnect::DiscoveryError<E>) -> String {
    use openidconnect::DiscoveryError as D;
    match e {
        D::Request(inner) => {
            // The innermost cause (refused, timed out, no such name) is for the log.
            let mut why = inner.to_string();
            let mut source = inner.source();
            while let Some(s) = source {
                why = s.to_string();
                source = s.source();
            }
            tracing::warn!(error = %why, "Keycloak's settings could not be fetched");
            "it did not answer".into()
        }
        D::Response(status, _, _) => format!("it answered {status} instead of its settings"),
        D::Parse(_) => "its settings could not be read".into(),
        D::Validation(why) => format!("its settings are wrong: {why}"),
        other => other.to_string(),
    }
}

fn token_error<E: std::error::Error>(
    e: RequestTokenError<E, StandardErrorResponse<CoreErrorResponseType>>,
) -> OidcError {
    match e {
        RequestTokenError::ServerResponse(refusal) => OidcError::Refused(
            refusal
                .error_description()
                .cloned()
                .unwrap_or_else(|| refusal.error().to_string()),
        ),
        RequestTokenError::Request(inner) => {
            tracing::warn!(error = %inner, "Keycloak's token endpoint did not answer");
            OidcError::Unreachable("it did not answer".into())
        }
        RequestTokenError::Parse(_, _) => {
            OidcError::Unreachable("its answer could not be read".into())
        }
        RequestTokenError::Other(why) => OidcError::Unreachable(why),
    }
}

/// The key that seals a session's Keycloak tokens, made from the session id itself: the
/// store keeps only the id's hash, so only a request carrying the cookie can unseal them.
fn sealing_key(session_id: &str) -> Option<aead::LessSafeKey> {
    let mut hasher = Sha256::new();
    hasher.update(b"tis-status sealed keycloak tokens\0");
    hasher.update(session_id.as_bytes());
    let bytes = hasher.finalize();
    let key = aead::UnboundKey::new(&aead::CHACHA20_POLY1305, &bytes).ok()?;
    Some(aead::LessSafeKey::new(key))
}

/// Seals `tokens` for the session with id `session_id` (ChaCha20-Poly1305, random nonce).
pub fn seal(tokens: &Tokens, session_id: &str) -> Result<String, super::SecretError> {
    let mut nonce = [0u8; aead::NONCE_LEN];
    getrandom::getrandom(&mut nonce).map_err(super::SecretError::Random)?;
    let mut data = serde_json::to_vec(tokens).unwrap_or_default();
    let key = sealing_key(session_id).ok_or(super::SecretError::Seal)?;
    key.seal_in_place_append_tag(
        aead::Nonce::assume_unique_for_key(nonce),
        aead::Aad::empty(),
        &mut data,
    )
    .map_err(|_| super::SecretError::Seal)?;
    let mut out = nonce.to_vec();
    out.extend(data);
    Ok(URL_SAFE_NO_PAD.encode(out))
}

/// Unseals what [`seal`] made for this session id; `None` if it was not made for it.
pub fn unseal(sealed: &str, session_id: &str) -> Option<Tokens> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    if bytes.len() < aead::NONCE_LEN {
        return None;
    }
    let (nonce, rest) = bytes.split_at(aead::NONCE_LEN);
    let nonce = aead::Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut data = rest.to_vec();
    let plain = sealing_key(session_id)?
        .open_in_place(nonce, aead::Aad::empty(), &mut data)
        .ok()?;
    serde_json::from_slice(plain).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> BTreeMap<String, Role> {
        [
            ("tis-status-support", Role::Support),
            ("tis-status-editor", Role::Editor),
            ("tis-status-admin", Role::Admin),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    fn claims(json: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        json.as_object().unwrap().clone()
    }

    #[test]
    fn the_highest_mapped_role_of_a_claim_name_wins() {
        let c = claims(serde_json::json!({
            "roles": ["offline_access", "tis-status-support", "tis-status-editor"]
        }));
        assert_eq!(role_from_claims(&c, "roles", &map()), Some(Role::Editor));
        let one = claims(serde_json::json!({"roles": "tis-status-admin"}));
        assert_eq!(role_from_claims(&one, "roles", &map()), Some(Role::Admin));
    }

    #[test]
    fn a_json_pointer_finds_keycloak_client_roles() {
        let c = claims(serde_json::json!({
            "roles": ["tis-status-admin"],
            "resource_access": {"tis-status": {"roles": ["tis-status-support"]}},
            "a/b": {"roles": ["tis-status-editor"]}
        }));
        assert_eq!(
            role_from_claims(&c, "/resource_access/tis-status/roles", &map()),
            Some(Role::Support),
            "the pointer, not the top-level claim"
        );
        assert_eq!(
            role_from_claims(&c, "/a~1b/roles", &map()),
            Some(Role::Editor)
        );
    }

    #[test]
    fn no_mapped_role_and_no_claim_give_nothing() {
        let c = claims(serde_json::json!({"roles": ["offline_access", "uma_authorization"]}));
        assert_eq!(role_from_claims(&c, "roles", &map()), None);
        assert_eq!(role_from_claims(&c, "groups", &map()), None);
        assert_eq!(role_from_claims(&c, "/resource_access/x", &map()), None);
        let odd = claims(serde_json::json!({"roles": {"tis-status-admin": true}}));
        assert_eq!(role_from_claims(&odd, "roles", &map()), None);
    }

    #[test]
    fn sealed_tokens_open_only_with_their_session_id() {
        let tokens = Tokens {
            id_token: "eyJ.id.token".into(),
            refresh_token: Some("refresh-me".into()),
        };
        let sealed = seal(&tokens, "session-one").unwrap();
        assert!(!sealed.contains("refresh-me"));
        let open = unseal(&sealed, "session-one").expect("its own id opens it");
        assert_eq!(open.refresh_token.as_deref(), Some("refresh-me"));
        assert!(unseal(&sealed, "session-two").is_none());
        assert!(unseal("not sealed", "session-one").is_none());
    }
}
