//! Accounts, sign-in sessions and API tokens in the PostgreSQL store, so that a session
//! made on one replica works on every other. Only hashes of secrets are written.

use chrono::{DateTime, Utc};
use tis_core::account::{Account, ApiToken};

use super::{PgStore, commit_audited, lock, ts};
use crate::store::columns::{Columns, account_from, role, token_from, worth_noting_use};
use crate::store::{
    Change, Disabled, NewAccount, NewSession, NewToken, OidcLogin, OidcState, Recheck, Result,
    SessionRecord, StoreError,
};

impl PgStore {
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
             VALUES ($1, $2, $3, $4, $5)
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
            created_at: ts(change.at),
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
        let row = sqlx::query("SELECT * FROM accounts WHERE name = $1 AND disabled_at IS NULL")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| Ok((account_from(&row)?, row.text("password_hash")?)))
            .transpose()
    }

    pub(super) async fn disable_account_and_sessions(
        &self,
        name: &str,
        change: Change<'_>,
    ) -> Result<Disabled> {
        let mut tx = self.write().await?;
        // At READ COMMITTED, two admins disabling each other at once would each count the
        // other as still active; the lock makes the second count after the first commits.
        lock(&mut tx, "accounts.admins").await?;
        let done = sqlx::query(
            "UPDATE accounts SET disabled_at = $1
             WHERE name = $2 AND disabled_at IS NULL
               AND (role <> 'admin'
                    OR (SELECT COUNT(*) FROM accounts
                        WHERE role = 'admin' AND disabled_at IS NULL) > 1)",
        )
        .bind(ts(change.at))
        .bind(name)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT * FROM accounts WHERE name = $1")
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
        let id = row.int("id")?;
        let ended = sqlx::query("DELETE FROM sessions WHERE account = $1")
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
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(ts(session.created_at))
            .execute(&mut *tx)
            .await?;
        let done = match &session.oidc {
            None => {
                sqlx::query(
                    "INSERT INTO sessions (id_hash, account, csrf_token, created_at, expires_at)
                     SELECT $1, id, $2, $3, $4 FROM accounts WHERE name = $5 AND disabled_at IS NULL",
                )
                .bind(session.id_hash)
                .bind(session.csrf_token)
                .bind(ts(session.created_at))
                .bind(ts(session.expires_at))
                .bind(session.account)
                .execute(&mut *tx)
                .await?
            }
            Some(oidc) => {
                sqlx::query(
                    "INSERT INTO sessions (id_hash, person, person_role, oidc_sealed, recheck_at,
                                           csrf_token, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
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
                .await?
            }
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
             WHERE s.id_hash = $1 AND s.expires_at > $2
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
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(super) async fn insert_oidc_login(&self, login: &OidcLogin) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM oidc_logins WHERE expires_at <= $1")
            .bind(ts(Utc::now()))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO oidc_logins (browser_hash, state, nonce, pkce_verifier, next, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)
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
        // One statement takes it, so a code replayed at the same moment, on this replica
        // or another, finds nothing.
        let row = sqlx::query("DELETE FROM oidc_logins WHERE browser_hash = $1 RETURNING *")
            .bind(browser_hash)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let login = OidcLogin {
            browser_hash: row.text("browser_hash")?,
            state: row.text("state")?,
            nonce: row.text("nonce")?,
            pkce_verifier: row.text("pkce_verifier")?,
            next: row.text("next")?,
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
        // One statement decides, so of two replicas asked at once only one rechecks.
        let done = sqlx::query(
            "UPDATE sessions SET recheck_at = $1 WHERE id_hash = $2 AND recheck_at <= $3",
        )
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
                    "UPDATE sessions SET person_role = $1, oidc_sealed = $2, recheck_at = $3
                     WHERE id_hash = $4 AND person IS NOT NULL",
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
                let done = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
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
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO api_tokens (name, role, location, token_hash, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)
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
        let Some(id) = id else { return Ok(None) };
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
            created_at: ts(change.at),
            last_used_at: None,
            expires_at: expires_at.map(ts),
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
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(ts(change.at))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT * FROM api_tokens WHERE id = $1")
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
            sqlx::query("SELECT * FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let mut token = token_from(&row)?;
        if token.expires_at.is_some_and(|end| end <= at) {
            return Ok(None);
        }
        if worth_noting_use(token.last_used_at, at) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(ts(at))
                .bind(token.id)
                .execute(&self.pool)
                .await?;
            token.last_used_at = Some(ts(at));
        }
        Ok(Some(token))
    }
}
