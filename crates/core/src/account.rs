//! Who may do what, and the shapes of accounts, sessions and API tokens on the wire.
//! Anonymous readers see public data only; of the staff roles each can do what the roles
//! before it can; the prober role can only push probe results.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::validate::FieldError;

/// A role held by an account or API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Pushes probe results from a standalone prober, and nothing else: a token kept on a
    /// machine in another network should not be able to post notices if it leaks.
    Prober,
    /// Posts and ends notices, posts incident updates.
    Support,
    /// Creates and edits incidents and reports, and publishes them.
    Editor,
    /// Manages accounts and tokens, and may do everything else.
    Admin,
}

impl Role {
    /// Whether holding `self` allows an action that needs `needed`.
    pub fn allows(self, needed: Role) -> bool {
        match (self, needed) {
            (Role::Admin, _) => true,
            // The prober role sits outside the staff ladder: it grants only itself, and no
            // staff role but admin grants it.
            (Role::Prober, needed) => needed == Role::Prober,
            (_, Role::Prober) => false,
            (held, needed) => held.rank() >= needed.rank(),
        }
    }

    /// Place on the support < editor < admin ladder.
    fn rank(self) -> u8 {
        match self {
            Role::Prober => 0,
            Role::Support => 1,
            Role::Editor => 2,
            Role::Admin => 3,
        }
    }

    /// Whether a person's account may hold this role (the prober role is for tokens).
    pub fn is_for_people(self) -> bool {
        self != Role::Prober
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match Role::parse(s) {
            Some(role) => Ok(role),
            None => Err(format!(
                "unknown role \"{s}\": use one of support, editor, admin, or prober (for \
                 tokens that only push probe results)"
            )),
        }
    }
}

/// Passwords shorter than this are refused: long passphrases beat complex short ones.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longer than any passphrase a person types; keeps hashing cost bounded.
pub const MAX_PASSWORD_CHARS: usize = 256;
/// The longest account or token name.
pub const MAX_NAME_CHARS: usize = 64;
/// The longest display name: room for a full name, short enough for a page's byline.
pub const MAX_DISPLAY_NAME_CHARS: usize = 80;
/// Who public notices and incident updates say wrote them when the writer has no display
/// name (an account without one, an API token, imported records): a login name is for
/// signing in, never for the public.
pub const PUBLIC_AUTHOR: &str = "TIS support";

/// Checks an account or token name: a login name like `jo.bloggs` or `prober-eu-west`.
pub fn check_name(field: &str, name: &str) -> Result<(), FieldError> {
    let first_ok = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let rest_ok = name.bytes().all(|b| {
        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'_'
    });
    if name.is_empty() {
        Err(FieldError::new(field, "give a name, like jo.bloggs"))
    } else if name.chars().count() > MAX_NAME_CHARS {
        Err(FieldError::new(
            field,
            format!("use at most {MAX_NAME_CHARS} characters"),
        ))
    } else if !first_ok || !rest_ok {
        Err(FieldError::new(
            field,
            format!(
                "\"{name}\" is not a login name: use lower-case letters, digits, '.', '-' and \
                 '_', starting with a letter or digit, like jo.bloggs"
            ),
        ))
    } else {
        Ok(())
    }
}

/// Checks a display name: a name people read, like "Sam Jones" or "Service desk".
pub fn check_display_name(field: &str, name: &str) -> Result<(), FieldError> {
    let n = name.chars().count();
    if name.trim().is_empty() {
        Err(FieldError::new(
            field,
            "give the name readers should see, like Sam Jones, or leave it out",
        ))
    } else if n > MAX_DISPLAY_NAME_CHARS {
        Err(FieldError::new(
            field,
            format!("use at most {MAX_DISPLAY_NAME_CHARS} characters (this has {n})"),
        ))
    } else if name.chars().any(char::is_control) {
        Err(FieldError::new(
            field,
            "use letters, spaces and punctuation only: no line breaks or tabs",
        ))
    } else if name.trim() != name {
        Err(FieldError::new(
            field,
            "leave no spaces at the start or end",
        ))
    } else {
        Ok(())
    }
}

/// How the public is told who wrote something: the writer's display name, or
/// [`PUBLIC_AUTHOR`] when there is none.
pub fn public_author(display_name: Option<&str>) -> String {
    display_name
        .filter(|d| !d.trim().is_empty())
        .map_or_else(|| PUBLIC_AUTHOR.to_string(), str::to_string)
}

/// Checks a new password's length (the only rule: see NCSC password guidance).
pub fn check_password(field: &str, password: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        Err(FieldError::new(
            field,
            format!(
                "use at least {MIN_PASSWORD_CHARS} characters (this has {n}); three random \
                 words make a good one"
            ),
        ))
    } else if n > MAX_PASSWORD_CHARS {
        Err(FieldError::new(
            field,
            format!("use at most {MAX_PASSWORD_CHARS} characters"),
        ))
    } else {
        Ok(())
    }
}

/// Checks the role of a person's account.
pub fn check_account_role(field: &str, role: Role) -> Result<(), FieldError> {
    if role.is_for_people() {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            "the prober role is for API tokens; give an account support, editor or admin",
        ))
    }
}

/// A person who can sign in. The password hash never leaves the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub name: String,
    /// How public pages name what this account writes, e.g. "Sam Jones"; without one they
    /// say "TIS support".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// Set when an admin disabled it: it can no longer sign in.
    #[serde(default)]
    pub disabled_at: Option<DateTime<Utc>>,
}

/// An API token as listed; the token itself is shown only once, when created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// For a prober token, the one location its results come from (results it pushes
    /// must name this location or none); absent for other tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it stops working by itself; absent: it works until revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Set when an admin revoked it: it no longer works.
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// `POST /api/v1/session`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub name: String,
    pub password: String,
}

/// `POST /api/v1/session` and `GET /api/v1/session`: who is signed in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub name: String,
    pub role: Role,
    /// Send this as the `X-CSRF-Token` header with every write made with the session
    /// cookie. Absent when the request was made with an API token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

/// `GET /api/v1/session/options`: the ways to sign in this server offers, so the sign-in
/// page can offer "Sign in with your TIS account" only where it works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInOptions {
    /// Staff sign in through Keycloak: the address that starts it, a link to follow (the
    /// browser is sent on to Keycloak). Absent when not set up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tis_account: Option<String>,
    /// Whether a password sign-in is an emergency (break-glass) one, told to the team:
    /// true when Keycloak sign-in is set up.
    pub password_is_emergency: bool,
}

/// `DELETE /api/v1/session` after a Keycloak sign-in: where to send the browser so that
/// Keycloak ends its sign-in too (RP-initiated logout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedOut {
    pub end_session_url: String,
}

/// `POST /api/v1/accounts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    pub name: String,
    /// How public pages name what this account writes, e.g. "Sam Jones": 1 to 80
    /// characters. Without one they say "TIS support".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    // The pattern says what `check_display_name` checks: no control characters, and no
    // space at either end (so never only spaces).
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 80,
            pattern = r"^[^\x00-\x1f\x7f-\x9f\s]([^\x00-\x1f\x7f-\x9f]*[^\x00-\x1f\x7f-\x9f\s])?$"
        )
    )]
    pub display_name: Option<String>,
    pub role: Role,
    pub password: String,
}

impl AccountInput {
    /// Every problem with the input, or none.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let errors: Vec<FieldError> = [
            check_name("name", &self.name),
            self.display_name
                .as_deref()
                .map_or(Ok(()), |d| check_display_name("display_name", d)),
            check_account_role("role", self.role),
            check_password("password", &self.password),
        ]
        .into_iter()
        .filter_map(Result::err)
        .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// `POST /api/v1/tokens`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    pub name: String,
    pub role: Role,
    /// For a prober token: where its probes run, e.g. `leeds`; its name when absent.
    /// Other tokens have no location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Days until the token stops working by itself, from 1 to [`TOKEN_MAX_DAYS`];
    /// absent: until it is revoked.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::whole_u32_opt"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 730))]
    pub expires_in_days: Option<u32>,
}

/// The longest a token may be made to last, in days: two years, so a forgotten token
/// does not work for ever.
pub const TOKEN_MAX_DAYS: u32 = 730;

/// The answer to `POST /api/v1/tokens`: the only time the token is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewToken {
    /// Send as `Authorization: Bearer <token>`. Only its hash is kept.
    pub token: String,
    #[serde(flatten)]
    pub info: ApiToken,
}

/// `GET /api/v1/accounts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountList {
    pub accounts: Vec<Account>,
}

/// `GET /api/v1/tokens`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenList {
    pub tokens: Vec<ApiToken>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_staff_roles_can_do_what_lower_ones_can() {
        assert!(Role::Admin.allows(Role::Support));
        assert!(Role::Admin.allows(Role::Editor));
        assert!(Role::Editor.allows(Role::Support));
        assert!(Role::Support.allows(Role::Support));
        assert!(!Role::Support.allows(Role::Editor));
        assert!(!Role::Editor.allows(Role::Admin));
    }

    #[test]
    fn the_prober_role_only_pushes_results() {
        assert!(Role::Prober.allows(Role::Prober));
        for needed in [Role::Support, Role::Editor, Role::Admin] {
            assert!(
                !Role::Prober.allows(needed),
                "prober must not allow {needed}"
            );
        }
        assert!(!Role::Support.allows(Role::Prober));
        assert!(!Role::Editor.allows(Role::Prober));
        assert!(Role::Admin.allows(Role::Prober));
    }

    #[test]
    fn roles_read_back_from_their_names() {
        for &role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(
                serde_json::to_value(role).unwrap(),
                serde_json::json!(role.as_str())
            );
        }
    }

    #[test]
    fn unknown_role_names_the_allowed_ones() {
        let err = "owner".parse::<Role>().unwrap_err();
        assert!(err.contains("support, editor, admin, or prober"), "{err}");
    }

    #[test]
    fn display_names_are_names_people_read() {
        for good in ["Sam Jones", "Aoife O'Brien-Ní Dhuibhir", "Service desk"] {
            assert!(check_display_name("display_name", good).is_ok(), "{good}");
        }
        let long = "a".repeat(MAX_DISPLAY_NAME_CHARS + 1);
        for bad in ["", "   ", "Sam\nJones", " Sam", long.as_str()] {
            let err = check_display_name("display_name", bad).unwrap_err();
            assert_eq!(err.field, "display_name", "{bad:?}");
        }
        assert_eq!(public_author(Some("Sam Jones")), "Sam Jones");
        assert_eq!(public_author(None), PUBLIC_AUTHOR);
    }

    #[test]
    fn login_names_are_slug_like() {
        for good in ["jo.bloggs", "admin", "prober-eu-west", "a_b", "7up"] {
            assert!(check_name("name", good).is_ok(), "{good}");
        }
        for bad in ["", "Jo", "jo bloggs", "-jo", ".jo", "jo@nhs.net", "jö"] {
            let err = check_name("name", bad).unwrap_err();
            assert_eq!(err.field, "name");
        }
        assert!(check_name("name", &"a".repeat(65)).is_err());
    }

    #[test]
    fn a_short_password_says_how_long_it_must_be() {
        let err = check_password("password", "short-pass1").unwrap_err();
        assert!(err.message.contains("at least 12"), "{}", err.message);
        assert!(check_password("password", "twelve chars").is_ok());
        assert!(check_password("password", &"x".repeat(257)).is_err());
    }

    #[test]
    fn an_account_input_lists_every_problem() {
        let input = AccountInput {
            name: "Jo Bloggs".into(),
            display_name: None,
            role: Role::Prober,
            password: "short".into(),
        };
        let fields: Vec<String> = input
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["name", "role", "password"]);
    }
}
