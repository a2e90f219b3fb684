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
        // One statement takes it, so a code replayed at the same moment on another
        // replica finds nothing.
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
        // One conditional UPDATE: of two replicas asking at once, the row lock lets one
        // move `recheck_at`, and the other then finds it no longer due.
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
