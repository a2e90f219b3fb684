//! `[auth.oidc]`: staff sign in through Keycloak (OpenID Connect). Each problem names its
//! line and field; the client secret is read from the environment variable it names.

use std::collections::BTreeMap;

use serde::Deserialize;
use tis_core::Role;
use tis_core::service::HumanDuration;

use super::Problem;

/// `[auth]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAuth {
    #[serde(default)]
    pub(crate) oidc: Option<RawOidc>,
}

/// `[auth.oidc]` as written, read loosely so that every mistake is reported at once.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOidc {
    issuer: String,
    client_id: String,
    client_secret_env: String,
    roles_claim: String,
    #[serde(default)]
    roles: BTreeMap<String, String>,
    #[serde(default)]
    recheck_after: Option<String>,
}

/// How sign-in through Keycloak is set up.
#[derive(Clone, PartialEq)]
pub struct OidcConfig {
    /// The realm's address, e.g. `https://auth.example.nhs.uk/realms/lin`; discovery is
    /// read from `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// The environment variable holding the client secret, and what it holds.
    pub client_secret_env: String,
    pub client_secret: String,
    /// Where the roles are in the ID token: a claim name, or a JSON pointer (`/a/b`).
    pub roles_claim: String,
    /// Keycloak role → our role.
    pub roles: BTreeMap<String, Role>,
    /// How old a session may get before its roles are checked with Keycloak again.
    pub recheck_after: HumanDuration,
}

// By hand, so that the secret can never reach a log line.
impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret_env", &self.client_secret_env)
            .field("roles_claim", &self.roles_claim)
            .field("roles", &self.roles)
            .field("recheck_after", &self.recheck_after)
            .finish_non_exhaustive()
    }
}

/// How often a Keycloak session is checked again unless the file says: often enough that
/// a removed role stops working within minutes, rarely enough to cost Keycloak nothing.
pub const DEFAULT_RECHECK_AFTER: HumanDuration = HumanDuration::from_secs(10 * 60);

/// Checks `[auth.oidc]`, reporting each problem with its line.
pub(crate) fn check(
    text: &str,
    raw: Option<RawAuth>,
    has_public_url: bool,
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<Problem>,
) -> Option<OidcConfig> {
    let raw = raw?.oidc?;
    let mut ok = true;
    if !has_public_url {
        problems.push(Problem {
            line: table_lines(text, "[auth.oidc]").map(|(line, _)| line),
            message: "[auth.oidc] needs [server] public_url, the address Keycloak sends people back to after they sign in (register {public_url}/auth/oidc/callback in Keycloak)".into(),
        });
        ok = false;
    }
    let mut report = |field: &str, message: String| {
        problems.push(Problem {
            line: field_line(text, field),
            message: format!("[auth.oidc] {field}: {message}"),
        });
    };
    if let Err(why) = check_issuer(&raw.issuer) {
        report("issuer", why);
        ok = false;
    }
    if raw.client_id.trim().is_empty() {
        report(
            "client_id",
            "is empty: give the client id registered in Keycloak, e.g. \"tis-status\"".into(),
        );
        ok = false;
    }
    let secret = env(&raw.client_secret_env);
    if secret.is_none() {
        report(
            "client_secret_env",
            format!(
                "the environment variable {} is not set: set it to the Keycloak client's secret before starting (the secret itself never goes in this file)",
                raw.client_secret_env
            ),
        );
        ok = false;
    }
    if let Err(why) = check_roles_claim(&raw.roles_claim) {
        report("roles_claim", why);
        ok = false;
    }
    let mut roles = BTreeMap::new();
    let mut role_problems = Vec::new();
    if raw.roles.is_empty() {
        report(
            "roles",
            "maps no Keycloak role to ours, so nobody could sign in: add a table [auth.oidc.roles] such as \"tis-status-support\" = \"support\"".into(),
        );
        ok = false;
    }
    for (theirs, ours) in &raw.roles {
        match Role::parse(ours).filter(|r| r.is_for_people()) {
            Some(role) => {
                roles.insert(theirs.clone(), role);
            }
            None => {
                role_problems.push(Problem {
                    line: role_line(text, theirs),
                    message: format!(
                        "[auth.oidc.roles] \"{theirs}\" = \"{ours}\": \"{ours}\" is not one of our roles: use support, editor or admin"
                    ),
                });
                ok = false;
            }
        }
    }
    let recheck_after = match raw
        .recheck_after
        .as_deref()
        .map(str::parse::<HumanDuration>)
    {
        None => DEFAULT_RECHECK_AFTER,
        Some(Ok(d))
            if (1_000..=crate::auth::SESSION_TTL.num_milliseconds() as u64)
                .contains(&d.as_millis()) =>
        {
            d
        }
        Some(Ok(d)) => {
            report(
                "recheck_after",
                format!(
                    "{d} is out of range: give from 1s to 12h (how old a session may get before its roles are checked with Keycloak again)"
                ),
            );
            ok = false;
            DEFAULT_RECHECK_AFTER
        }
        Some(Err(why)) => {
            report("recheck_after", why);
            ok = false;
            DEFAULT_RECHECK_AFTER
        }
    };
    problems.extend(role_problems);
    ok.then(|| OidcConfig {
        issuer: raw.issuer.trim_end_matches('/').to_string(),
        client_id: raw.client_id,
        client_secret_env: raw.client_secret_env,
        client_secret: secret.unwrap_or_default(),
        roles_claim: raw.roles_claim,
        roles,
        recheck_after,
    })
}

/// An issuer must be an https address (http only for this machine, as in tests), since
/// the ID tokens' keys are fetched from it.
fn check_issuer(issuer: &str) -> Result<(), String> {
    let url = reqwest::Url::parse(issuer).map_err(|e| {
        format!(
            "\"{issuer}\" is not a web address ({e}): write it like https://auth.example.nhs.uk/realms/lin"
        )
    })?;
    let loopback = match url.host() {
        Some(openidconnect::url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(openidconnect::url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(openidconnect::url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" if url.host_str().is_some_and(|h| !h.is_empty()) => {}
        "http" if loopback => {}
        "http" => {
            return Err(format!(
                "\"{issuer}\" is http: Keycloak must be reached over https:// (http is allowed only for 127.0.0.1 or localhost)"
            ));
        }
        _ => {
            return Err(format!(
                "\"{issuer}\" must be an https:// address, like https://auth.example.nhs.uk/realms/lin"
            ));
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "\"{issuer}\" has a ? or # part: give the realm's address alone"
        ));
    }
    Ok(())
}

/// A claim name (`roles`) or a JSON pointer (`/resource_access/tis-status/roles`).
fn check_roles_claim(claim: &str) -> Result<(), String> {
    if claim.trim().is_empty() {
        return Err("is empty: give a claim name such as \"roles\", or a JSON pointer such as \"/resource_access/tis-status/roles\"".into());
    }
    if let Some(pointer) = claim.strip_prefix('/') {
        // RFC 6901: `~` only as `~0` or `~1`.
        let bad_escape = pointer
            .split('~')
            .skip(1)
            .any(|rest| !(rest.starts_with('0') || rest.starts_with('1')));
        if bad_escape {
            return Err(format!(
                "\"{claim}\" is not a JSON pointer: write ~ as ~0 and / inside a name as ~1"
            ));
        }
    }
    Ok(())
}

/// The line of `field` in `[auth.oidc]`, or of the table's header.
fn field_line(text: &str, field: &str) -> Option<usize> {
    let (start, lines) = table_lines(text, "[auth.oidc]")?;
    lines
        .iter()
        .position(|l| key_of(l).as_deref() == Some(field))
        .map(|i| start + i + 1)
        .or(Some(start))
}

/// The line of a Keycloak role in `[auth.oidc.roles]`.
fn role_line(text: &str, role: &str) -> Option<usize> {
    let (start, lines) = table_lines(text, "[auth.oidc.roles]")?;
    lines
        .iter()
        .position(|l| key_of(l).as_deref() == Some(role))
        .map(|i| start + i + 1)
        .or(Some(start))
}

/// The 1-based line of `header`, and the lines after it up to the next table.
fn table_lines<'a>(text: &'a str, header: &str) -> Option<(usize, Vec<&'a str>)> {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| {
        let t: String = l.chars().filter(|c| !c.is_whitespace()).collect();
        t.starts_with(header)
    })?;
    let body = lines[at + 1..]
        .iter()
        .take_while(|l| !l.trim_start().starts_with('['))
        .copied()
        .collect();
    Some((at + 1, body))
}

/// The key of a `key = value` line, unquoted.
fn key_of(line: &str) -> Option<String> {
    let (key, _) = line.split_once('=')?;
    Some(key.trim().trim_matches('"').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    const GOOD: &str = r#"
[server]
public_url = "https://status.example.nhs.uk"

[auth.oidc]
issuer = "https://auth.example.nhs.uk/realms/lin"
client_id = "tis-status"
client_secret_env = "OIDC_CLIENT_SECRET"
roles_claim = "/resource_access/tis-status/roles"

[auth.oidc.roles]
"tis-status-support" = "support"
"tis-status-editor" = "editor"
"tis-status-admin" = "admin"
"#;

    fn env_with_secret(name: &str) -> Option<String> {
        (name == "OIDC_CLIENT_SECRET").then(|| "s3cret".to_string())
    }

    #[test]
    fn the_issue_s_example_is_read_as_written() {
        let config = Config::parse_env("tis.toml", GOOD, &env_with_secret).unwrap();
        let oidc = config.oidc.expect("configured");
        assert_eq!(oidc.issuer, "https://auth.example.nhs.uk/realms/lin");
        assert_eq!(oidc.client_secret, "s3cret");
        assert_eq!(oidc.roles["tis-status-editor"], Role::Editor);
        assert_eq!(oidc.recheck_after, DEFAULT_RECHECK_AFTER);
        assert!(
            !format!("{oidc:?}").contains("s3cret"),
            "the secret is never printed"
        );
    }

    #[test]
    fn each_mistake_names_its_line_and_field() {
        let text = GOOD
            .replace(
                "https://auth.example.nhs.uk/realms/lin",
                "http://auth.example.nhs.uk/realms/lin",
            )
            .replace("\"/resource_access/tis-status/roles\"", "\"/a/~2\"")
            .replace("\"editor\"", "\"boss\"");
        let err = Config::parse_env("tis.toml", &text, &|_| None).unwrap_err();
        let said: Vec<(Option<usize>, &str)> = err
            .problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        let find = |needle: &str| {
            said.iter()
                .find(|(_, m)| m.contains(needle))
                .unwrap_or_else(|| panic!("no problem says {needle:?}: {said:?}"))
                .0
        };
        assert_eq!(find("[auth.oidc] issuer"), Some(6));
        assert!(find("must be reached over https").is_some());
        assert_eq!(find("OIDC_CLIENT_SECRET is not set"), Some(8));
        assert_eq!(find("[auth.oidc] roles_claim"), Some(9));
        assert_eq!(find("\"boss\" is not one of our roles"), Some(13));
        assert_eq!(said.len(), 4, "{said:?}");
        let shown = err.to_string();
        assert!(shown.contains("tis.toml, line 13:"), "{shown}");
    }

    #[test]
    fn a_missing_public_url_table_of_roles_and_a_bad_recheck_are_refused() {
        let text = r#"
[auth.oidc]
issuer = "http://127.0.0.1:9000/realms/lin"
client_id = "tis-status"
client_secret_env = "OIDC_CLIENT_SECRET"
roles_claim = "roles"
recheck_after = "2d"
"#;
        let err = Config::parse_env("tis.toml", text, &env_with_secret).unwrap_err();
        let messages: Vec<&str> = err.problems.iter().map(|p| p.message.as_str()).collect();
        assert!(
            messages.iter().any(|m| m.contains("maps no Keycloak role")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("[auth.oidc] recheck_after")),
            "{messages:?}"
        );
        // Keycloak must know where to send people back: the public address.
        let public_url = err
            .problems
            .iter()
            .find(|p| {
                p.message
                    .starts_with("[auth.oidc] needs [server] public_url")
            })
            .unwrap_or_else(|| panic!("{messages:?}"));
        assert_eq!(public_url.line, Some(2));
        assert_eq!(err.problems.len(), 3, "{messages:?}");
    }
}
