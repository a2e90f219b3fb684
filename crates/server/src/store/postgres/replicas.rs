//! What lets several servers share one database, with nothing but what PostgreSQL
//! gives: every replica hears of the others' writes through `LISTEN`/`NOTIFY` (the
//! triggers of migration 0015 notify at commit), and the probes of a location run on the
//! one replica that holds a session-level advisory lock named for it.

use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::{Connection, PgConnection};
use tokio_util::sync::CancellationToken;

use super::PgStore;
use crate::store::{OnChange, ProbeLease, Result};

/// The channel migration 0015's triggers notify on.
const CHANGES: &str = "tis_status_changes";

/// How often a replica without the probe lease asks for it again. Takeover must come
/// within two probe intervals: the shortest is 5 seconds (`MIN_INTERVAL`), and the new
/// holder's first checks start within 2 seconds of taking the lease.
const LEASE_RETRY: Duration = Duration::from_secs(1);

/// How often the holder makes sure its lease still stands. The lock lives as long as its
/// connection: when that breaks, PostgreSQL lets the lock go, and the holder must stop
/// probing before another replica's results overlap its own for long.
const LEASE_CHECK: Duration = Duration::from_secs(1);

/// A wait before connecting again after the database failed to answer.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

impl PgStore {
    pub(super) async fn take_probe_lease(
        &self,
        location: &str,
        stop: &CancellationToken,
    ) -> Result<Option<ProbeLease>> {
        let key = format!("probes/{location}");
        let mut asking: Option<PgConnection> = None;
        loop {
            // The lock is the connection's, not a pooled one's: it is held exactly as long
            // as this connection stays open, and goes with it when this process dies.
            let conn = match asking.take() {
                Some(conn) => Ok(conn),
                None => lease_connection(self).await,
            };
            match conn {
                Ok(mut conn) => {
                    let got = sqlx::query_scalar::<_, bool>(
                        "SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
                    )
                    .bind(&key)
                    .fetch_one(&mut conn)
                    .await;
                    match got {
                        Ok(true) => return Ok(Some(keep(conn, location.to_string()))),
                        Ok(false) => asking = Some(conn),
                        Err(e) => {
                            tracing::warn!(error = %e, location, "could not ask for the probe lease")
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, location, "could not connect to ask for the probe lease")
                }
            }
            let wait = if asking.is_some() {
                LEASE_RETRY
            } else {
                RECONNECT_AFTER
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = stop.cancelled() => {
                    if let Some(conn) = asking {
                        let _ = conn.close().await;
                    }
                    return Ok(None);
                }
            }
        }
    }

    pub(super) async fn follow(&self, changed: OnChange, stop: CancellationToken) {
        loop {
            let listening = async {
                let mut listener = PgListener::connect_with(&self.pool).await?;
                listener.listen(CHANGES).await?;
                Ok::<_, sqlx::Error>(listener)
            };
            let mut listener = tokio::select! {
                listening = listening => match listening {
                    Ok(listener) => listener,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot hear other replicas' changes: trying again");
                        tokio::select! {
                            () = tokio::time::sleep(RECONNECT_AFTER) => continue,
                            () = stop.cancelled() => return,
                        }
                    }
                },
                () = stop.cancelled() => return,
            };
            // Whatever was written while nobody listened is read now.
            changed();
            loop {
                tokio::select! {
                    heard = listener.try_recv() => match heard {
                        Ok(Some(_)) => changed(),
                        // The connection broke, and the next call connects again: what was
                        // notified meanwhile is lost, so read everything once more.
                        Ok(None) => {
                            tracing::warn!("lost the connection that hears other replicas' changes");
                            changed();
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot hear other replicas' changes: connecting again");
                            break;
                        }
                    },
                    () = stop.cancelled() => return,
                }
            }
        }
    }
}

/// A connection of its own for the lease. A replica whose machine vanishes (power gone,
/// network cut) sends no goodbye: PostgreSQL would hold its lock until the operating
/// system's keepalive gives up, two hours by default. These settings make PostgreSQL
/// probe an idle connection after 2 seconds and drop it after 3 unanswered probes, so
/// the lock goes within about 5 seconds and another replica takes over.
async fn lease_connection(store: &PgStore) -> std::result::Result<PgConnection, sqlx::Error> {
    let mut conn = PgConnection::connect_with(&store.pool.connect_options()).await?;
    for setting in [
        "SET tcp_keepalives_idle = 2",
        "SET tcp_keepalives_interval = 1",
        "SET tcp_keepalives_count = 3",
    ] {
        sqlx::query(setting).execute(&mut conn).await?;
    }
    Ok(conn)
}

/// Holds the lease on `conn` until it is dropped (then the connection is closed, which
/// lets the lock go at once) or the connection fails (then `lost` is cancelled).
fn keep(mut conn: PgConnection, location: String) -> ProbeLease {
    let lost = CancellationToken::new();
    let release = CancellationToken::new();
    let (ended, released) = (lost.clone(), release.clone());
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = tokio::time::sleep(LEASE_CHECK) => {
                    if let Err(e) = conn.ping().await {
                        tracing::error!(error = %e, location, "lost the probe lease with the database connection: the probes stop here");
                        break;
                    }
                }
                () = released.cancelled() => {
                    let _ = conn.close().await;
                    break;
                }
            }
        }
        ended.cancel();
    });
    ProbeLease::new(lost, release)
}
