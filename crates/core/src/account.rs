//! Who may do what. Anonymous readers see public data only; each role can do what the
//! roles before it can.

use serde::{Deserialize, Serialize};

/// A role held by an account or API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Posts and ends notices, posts incident updates.
    Support,
    /// Creates and edits incidents and reports, and publishes them.
    Editor,
    /// Manages accounts and tokens.
    Admin,
}

impl Role {
    /// Whether holding `self` allows an action that needs `needed`.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Support => "support",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "support" => Ok(Role::Support),
            "editor" => Ok(Role::Editor),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role \"{other}\": use one of support, editor, admin"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_roles_can_do_what_lower_roles_can() {
        assert!(Role::Admin.allows(Role::Support));
        assert!(Role::Editor.allows(Role::Support));
        assert!(!Role::Support.allows(Role::Editor));
        assert!(!Role::Editor.allows(Role::Admin));
    }

    #[test]
    fn unknown_role_names_the_allowed_ones() {
        let err = "owner".parse::<Role>().unwrap_err();
        assert!(err.contains("support, editor, admin"), "{err}");
    }
}
