//! Accounts, sign-in sessions and API tokens in the SQLite store. Only hashes of secrets
//! are written; every change of an account or token is audited in its own transaction.

use chrono::{DateTime, Utc};
use sqlx::Row;
use tis_core::account::{Account, ApiToken};

use super::{SqliteStore, commit_audited, ts};
use crate::store::columns::{Columns, account_from, role, token_from, worth_noting_use};
use crate::store::{
    Change, Disabled, NewAccount, NewSession, NewToken, OidcLogin, OidcState, Recheck, Result,
    SessionRecord, StoreError,
};

impl SqliteStore {
    pub(super) async fn insert_account(
        &self,
        account: NewAccount<'_>,
        change: Change<'_>,
    ) -> Result<Option<Account>> {
        let NewAccount {
            name,
            display_name,
            role,
            password_hash,
        } = account;
        let mut tx = self.write().await?;
        // ON CONFLICT rather than a look-up first, so two adds of one name cannot both win.
        let done = sqlx::query(
            "INSERT INTO accounts (name, display_name, role, password_hash, created_at)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(display_name)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(ts(change.at))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        let target = format!("account/{name}");
        commit_audited(tx, &change, "account.create", &target, role.as_str()).await?;
        Ok(Some(Account {
            name: name.to_string(),
            display_name: display_name.map(str::to_string),
            role,
            created_at: change.at,
            disabled_at: None,
        }))
    }

    pub(super) async fn all_accounts(&self) -> Result<Vec<Account>> {
        let rows = sqlx::query("SELECT * FROM accounts ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(account_from).collect()
    }

    pub(super) async fn active_account_with_hash(
        &self,
        name: &str,
    ) -> Result<Option<(Account, String)>> {
        let row = sqlx::query("SELECT * FROM accounts WHERE name = ? AND disabled_at IS NULL")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| Ok((account_from(&row)?, row.get("password_hash"))))
            .transpose()
    }

    pub(super) async fn disable_account_and_sessions(
        &self,
        name: &str,
        change: Change<'_>,
    ) -> Result<Disabled> {
        let mut tx = self.write().await?;
        // One statement checks and writes, so two admins disabling each other at the same
        // moment cannot leave no admin at all.
        let done = sqlx::query(
            "UPDATE accounts SET disabled_at = ?1
             WHERE name = ?2 AND disabled_at IS NULL
               AND (role <> 'admin'
                    OR (SELECT COUNT(*) FROM accounts
                        WHERE role = 'admin' AND disabled_at IS NULL) > 1)",
        )
        .bind(ts(change.at))
        .bind(name)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT * FROM accounts WHERE name = ?")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("account \"{name}\"")))?;
        let account = account_from(&row)?;
        if done.rows_affected() == 0 {
            return Ok(match account.disabled_at {
                Some(_) => Disabled::Done(account),
                None => Disabled::LastAdmin,
            });
        }
        let id: i64 = row.get("id");
        let ended = sqlx::query("DELETE FROM sessions WHERE account = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        commit_audited(
            tx,
            &change,
            "account.disable",
            &format!("account/{name}"),
            &format!("{ended} sessions ended"),
        )
        .await?;
        Ok(Disabled::Done(account))
    }

    pub(super) async fn insert_session(&self, session: &NewSession<'_>) -> Result<()> {
        let mut tx = self.write().await?;
        // Expired sessions are forgotten here, as sign-ins are rare enough to pay for it.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(ts(session.created_at))
            .execute(&mut *tx)
            .await?;
        let done =
            match &session.oidc {
                None => sqlx::query(
                    "INSERT INTO sessions (id_hash, account, csrf_token, created_at, expires_at)
                     SELECT ?, id, ?, ?, ? FROM accounts WHERE name = ? AND disabled_at IS NULL",
                )
                .bind(session.id_hash)
                .bind(session.csrf_token)
                .bind(ts(session.created_at))
                .bind(ts(session.expires_at))
                .bind(session.account)
                .execute(&mut *tx)
                .await?,
                Some(oidc) => sqlx::query(
                    "INSERT INTO sessions (id_hash, person, person_role, oidc_sealed, recheck_at,
                                           csrf_token, created_at, expires_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(session.id_hash)
                .bind(session.account)
                .bind(oidc.role.as_str())
                .bind(oidc.sealed)
                .bind(ts(oidc.recheck_at))
                .bind(session.csrf_token)
                .bind(ts(session.created_at))
                .bind(ts(session.expires_at))
                .execute(&mut *tx)
                .await?,
            };
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!(
                "active account \"{}\"",
                session.account
            )));
        }
        // The audit line and any alert are written with the session, so a sign-in is
        // never kept without its record, nor an emergency one without telling the team.
        if let Some((action, detail)) = session.audit {
            let change = Change {
                actor: session.account,
                at: session.created_at,
            };
            super::audit(&mut tx, &change, action, "session", detail).await?;
        }
        for message in session.messages {
            super::alerts::insert_message(&mut tx, message, session.created_at).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn live_session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>> {
        // A local account's session lasts while the account is active; a Keycloak one
        // has no account, and is checked with Keycloak instead (see `auth::oidc`).
        let row = sqlx::query(
            "SELECT COALESCE(a.name, s.person) AS name, COALESCE(a.role, s.person_role) AS role,
                    s.csrf_token, s.expires_at, s.oidc_sealed, s.recheck_at
             FROM sessions s LEFT JOIN accounts a ON a.id = s.account
             WHERE s.id_hash = ? AND s.expires_at > ?
               AND (s.person IS NOT NULL OR a.disabled_at IS NULL)",
        )
        .bind(id_hash)
        .bind(ts(now))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(SessionRecord {
                account: row.text("name")?,
                role: role(&row.text("role")?)?,
                csrf_token: row.text("csrf_token")?,
                expires_at: row.time("expires_at")?,
                oidc: match (row.opt_text("oidc_sealed")?, row.opt_time("recheck_at")?) {
                    (Some(sealed), Some(recheck_at)) => Some(OidcState { sealed, recheck_at }),
                    _ => None,
                },
            })
        })
        .transpose()
    }

    pub(super) async fn remove_session(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = ?")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(super) async fn insert_oidc_login(&self, login: &OidcLogin) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM oidc_logins WHERE expires_at <= ?")
            .bind(ts(Utc::now()))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO oidc_logins (browser_hash, state, nonce, pkce_verifier, next, expires_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (browser_hash) DO UPDATE SET state = excluded.state,
                 nonce = excluded.nonce, pkce_verifier = excluded.pkce_verifier,
                 next = excluded.next, expires_at = excluded.expires_at",
        )
        .bind(&login.browser_hash)
        .bind(&login.state)
        .bind(&login.nonce)
        .bind(&login.pkce_verifier)
        .bind(&login.next)
        .bind(ts(login.expires_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn remove_oidc_login(
        &self,
        browser_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<OidcLogin>> {
        // One statement takes it, so a code replayed at the same moment finds nothing.
        let row = sqlx::query("DELETE FROM oidc_logins WHERE browser_hash = ? RETURNING *")
            .bind(browser_hash)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let login = OidcLogin {
            browser_hash: row.get("browser_hash"),
            state: row.get("state"),
            nonce: row.get("nonce"),
            pkce_verifier: row.get("pkce_verifier"),
            next: row.get("next"),
            expires_at: row.time("expires_at")?,
        };
        Ok((login.expires_at > now).then_some(login))
    }

    pub(super) async fn claim_session_recheck(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        let done =
            sqlx::query("UPDATE sessions SET recheck_at = ? WHERE id_hash = ? AND recheck_at <= ?")
                .bind(ts(until))
                .bind(id_hash)
                .bind(ts(now))
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn write_recheck(
        &self,
        id_hash: &str,
        outcome: Recheck<'_>,
        change: Change<'_>,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        match outcome {
            Recheck::Keep {
                role,
                sealed,
                recheck_at,
            } => {
                sqlx::query(
                    "UPDATE sessions SET person_role = ?, oidc_sealed = ?, recheck_at = ?
                     WHERE id_hash = ? AND person IS NOT NULL",
                )
                .bind(role.as_str())
                .bind(sealed)
                .bind(ts(recheck_at))
                .bind(id_hash)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
            Recheck::End { why } => {
                let done = sqlx::query("DELETE FROM sessions WHERE id_hash = ?")
                    .bind(id_hash)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Ok(());
                }
                commit_audited(tx, &change, "sign_in.ended", "session", why).await?;
            }
        }
        Ok(())
    }

    pub(super) async fn insert_token(
        &self,
        token: NewToken<'_>,
        change: Change<'_>,
    ) -> Result<Option<ApiToken>> {
        let NewToken {
            name,
            role,
            location,
            token_hash,
            expires_at,
        } = token;
        let mut tx = self.write().await?;
        let row = sqlx::query(
            "INSERT INTO api_tokens (name, role, location, token_hash, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (name) DO NOTHING
             RETURNING id",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(location)
        .bind(token_hash)
        .bind(ts(change.at))
        .bind(expires_at.map(ts))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let id: i64 = row.get("id");
        commit_audited(
            tx,
            &change,
            "token.create",
            &format!("token/{id}"),
            &match location {
                Some(location) => format!("{name}, {role}, {location}"),
                None => format!("{name}, {role}"),
            },
        )
        .await?;
        Ok(Some(ApiToken {
            id,
            name: name.to_string(),
            role,
            location: location.map(str::to_string),
            created_at: change.at,
            last_used_at: None,
            expires_at,
            revoked_at: None,
        }))
    }

    pub(super) async fn all_tokens(&self) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query("SELECT * FROM api_tokens ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(token_from).collect()
    }

    pub(super) async fn revoke_token_by_id(&self, id: i64, change: Change<'_>) -> Result<ApiToken> {
        let mut tx = self.write().await?;
        let done =
            sqlx::query("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
                .bind(ts(change.at))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        let row = sqlx::query("SELECT * FROM api_tokens WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("token {id}")))?;
        let token = token_from(&row)?;
        if done.rows_affected() > 0 {
            let target = format!("token/{id}");
            commit_audited(tx, &change, "token.revoke", &target, &token.name).await?;
        }
        Ok(token)
    }

    pub(super) async fn active_token(
        &self,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<ApiToken>> {
        let row =
            sqlx::query("SELECT * FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL")
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let mut token = token_from(&row)?;
        if token.expires_at.is_some_and(|end| end <= at) {
            return Ok(None);
        }
        if worth_noting_use(token.last_used_at, at) {
            sqlx::query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?")
                .bind(ts(at))
                .bind(token.id)
                .execute(&self.pool)
                .await?;
            token.last_used_at = Some(at);
        }
        Ok(Some(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use tis_core::Role;

    async fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        (dir, store)
    }

    /// An account with no display name of its own.
    fn account<'a>(name: &'a str, role: Role, password_hash: &'a str) -> NewAccount<'a> {
        NewAccount {
            name,
            display_name: None,
            role,
            password_hash,
        }
    }

    #[tokio::test]
    async fn a_token_stops_working_when_it_expires_and_shows_when_it_was_last_used() {
        let (_dir, store) = store().await;
        // The store keeps times to the millisecond.
        let made = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 3);
        let ends = made + chrono::Duration::days(30);
        store
            .create_token(
                NewToken {
                    name: "release-script",
                    role: Role::Support,
                    location: None,
                    token_hash: "cd34",
                    expires_at: Some(ends),
                },
                Change::now("admin"),
            )
            .await
            .unwrap()
            .expect("a new name");
        let used = made + chrono::Duration::days(29);
        let token = store.use_token("cd34", used).await.unwrap().expect("works");
        assert_eq!(token.expires_at, Some(ends));
        assert_eq!(token.last_used_at, Some(used));
        let listed = store.tokens().await.unwrap();
        assert_eq!(
            listed[0].last_used_at,
            Some(used),
            "the list shows its last use"
        );
        assert_eq!(
            store.use_token("cd34", ends).await.unwrap(),
            None,
            "expired"
        );
    }

    #[tokio::test]
    async fn account_and_token_changes_are_audited_and_a_taken_name_changes_nothing() {
        let (_dir, store) = store().await;
        let jo = store
            .create_account(
                account("jo", Role::Support, "$argon2id$fake"),
                Change::now("admin"),
            )
            .await
            .unwrap();
        assert!(jo.is_some());
        let again = store
            .create_account(
                account("jo", Role::Admin, "$argon2id$other"),
                Change::now("admin"),
            )
            .await
            .unwrap();
        assert_eq!(again, None);
        let (account, hash) = store.account_for_sign_in("jo").await.unwrap().unwrap();
        assert_eq!(
            (account.role, hash.as_str()),
            (Role::Support, "$argon2id$fake")
        );

        let token = store
            .create_token(
                NewToken {
                    name: "ci",
                    role: Role::Prober,
                    location: Some("ci"),
                    token_hash: "ab12",
                    expires_at: None,
                },
                Change::now("admin"),
            )
            .await
            .unwrap()
            .unwrap();
        store
            .revoke_token(token.id, Change::now("admin"))
            .await
            .unwrap();
        // Revoking again is harmless and is not a second change.
        store
            .revoke_token(token.id, Change::now("admin"))
            .await
            .unwrap();
        assert_eq!(store.use_token("ab12", Utc::now()).await.unwrap(), None);

        let actions: Vec<String> = store
            .audit_log(10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| format!("{} {} by {}", e.action, e.target, e.actor))
            .collect();
        assert_eq!(
            actions,
            [
                format!("token.revoke token/{} by admin", token.id),
                format!("token.create token/{} by admin", token.id),
                "account.create account/jo by admin".to_string(),
            ]
        );
    }

    #[tokio::test]
    async fn the_last_active_admin_cannot_be_disabled() {
        let (_dir, store) = store().await;
        for name in ["ann", "bob"] {
            store
                .create_account(account(name, Role::Admin, "h"), Change::now("cli"))
                .await
                .unwrap();
        }
        let now = Utc::now();
        store
            .create_session(&NewSession {
                id_hash: "s1",
                account: "ann",
                oidc: None,
                csrf_token: "c",
                created_at: now,
                expires_at: now + chrono::TimeDelta::hours(1),
                audit: None,
                messages: &[],
            })
            .await
            .unwrap();
        assert!(store.session("s1", now).await.unwrap().is_some());

        let ann = store
            .disable_account("ann", Change::now("bob"))
            .await
            .unwrap();
        assert!(matches!(ann, Disabled::Done(a) if a.disabled_at.is_some()));
        assert_eq!(
            store.session("s1", now).await.unwrap(),
            None,
            "a disabled account's sessions end"
        );
        assert_eq!(
            store
                .disable_account("bob", Change::now("bob"))
                .await
                .unwrap(),
            Disabled::LastAdmin
        );
        assert!(store.account_for_sign_in("bob").await.unwrap().is_some());
        assert!(matches!(
            store.disable_account("nobody", Change::now("bob")).await,
            Err(StoreError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn an_expired_session_is_not_found() {
        let (_dir, store) = store().await;
        store
            .create_account(account("jo", Role::Editor, "h"), Change::now("cli"))
            .await
            .unwrap();
        let now = Utc::now();
        store
            .create_session(&NewSession {
                id_hash: "s",
                account: "jo",
                oidc: None,
                csrf_token: "c",
                created_at: now,
                expires_at: now + chrono::TimeDelta::minutes(5),
                audit: None,
                messages: &[],
            })
            .await
            .unwrap();
        let later = now + chrono::TimeDelta::minutes(6);
        assert_eq!(store.session("s", later).await.unwrap(), None);
    }
}
