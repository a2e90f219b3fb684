import re, shutil
R='/work/wt-browser-tests/crates/server/'
D='/tmp/pg-draft/'
shutil.copy(D+'0013_channel_subscriptions.sql', R+'migrations-postgres/0013_channel_subscriptions.sql')
shutil.copy(D+'channel_subscriptions.rs', R+'src/store/postgres/channel_subscriptions.rs')

p=R+'src/store/postgres/mod.rs'; s=open(p).read()
s=s.replace("mod accounts;\nmod alerts;\n","mod accounts;\nmod alerts;\n// Webhook, Teams and Slack subscriptions that admins make.\nmod channel_subscriptions;\n",1)
old="""    async fn create_incident(&self, input: &IncidentInput, change: Change<'_>) -> Result<Incident> {"""
new="""    async fn incident(&self, id: i64) -> Result<Option<Incident>> {
        // One snapshot, so the incident is not read without an update posted meanwhile.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
        let found = match select_incident(&mut tx, id, false).await {
            Ok(incident) => Some(incident),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        tx.commit().await?;
        Ok(found)
    }

    async fn add_channel_subscription(
        &self,
        hook: &crate::subscriptions::hooks::NewHook,
        change: Change<'_>,
    ) -> Result<Option<tis_core::wire::ChannelSubscription>> {
        self.insert_channel_subscription(hook, change).await
    }

    async fn channel_subscriptions(&self) -> Result<Vec<tis_core::wire::ChannelSubscription>> {
        self.select_channel_subscriptions().await
    }

    async fn remove_channel_subscription(
        &self,
        id: i64,
        change: Change<'_>,
    ) -> Result<Option<tis_core::wire::ChannelSubscription>> {
        self.delete_channel_subscription(id, change).await
    }

    async fn test_channel_subscription(
        &self,
        id: i64,
        change: Change<'_>,
    ) -> Result<Option<tis_core::wire::ChannelSubscription>> {
        self.queue_channel_test(id, change).await
    }

    async fn subscriber_hook(&self, id: i64) -> Result<Option<crate::subscriptions::hooks::Hook>> {
        self.select_hook(id).await
    }

    async fn hook_outcome(
        &self,
        id: i64,
        error: Option<&str>,
        gave_up: bool,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.record_hook_outcome(id, error, gave_up, at).await
    }

    async fn create_incident(&self, input: &IncidentInput, change: Change<'_>) -> Result<Incident> {"""
assert old in s; s=s.replace(old,new,1)
s=s.replace("select_incident_for_update(&mut tx, id)","select_incident(&mut tx, id, true)")
# test
t=open(D+'test_add.rs').read()
idx=s.rindex("}\n")
s=s[:idx]+t+"}\n"
open(p,'w').write(s)

p=R+'src/store/postgres/rows.rs'; s=open(p).read()
old="""/// One incident with its updates, its row locked until the transaction ends: a report
/// published or an update posted at the same moment on another replica waits, and is
/// kept.
pub(super) async fn select_incident_for_update(
    conn: &mut PgConnection,
    id: i64,
) -> Result<Incident> {
    let row = sqlx::query("SELECT * FROM incidents WHERE id = $1 FOR UPDATE")
        .bind(id)"""
new="""/// One incident with its updates; `lock` holds its row until the transaction ends, so
/// that a report published or an update posted at the same moment on another replica
/// waits, and is kept.
pub(super) async fn select_incident(
    conn: &mut PgConnection,
    id: i64,
    lock: bool,
) -> Result<Incident> {
    let sql = if lock {
        "SELECT * FROM incidents WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT * FROM incidents WHERE id = $1"
    };
    let row = sqlx::query(sql)
        .bind(id)"""
assert old in s; s=s.replace(old,new); open(p,'w').write(s)

p=R+'src/store/postgres/subscriptions.rs'; s=open(p).read()
s=s.replace("async fn set_services(conn","pub(super) async fn set_services(conn")
s=s.replace("async fn delete_subscriber(conn","pub(super) async fn delete_subscriber(conn")
old="WHERE s.confirmed_at IS NOT NULL AND s.{column}\n"
assert old in s
s=s.replace(old,"WHERE s.confirmed_at IS NOT NULL AND s.{column} AND s.paused_at IS NULL\n")
open(p,'w').write(s)

p=R+'src/store/postgres/alerts.rs'; s=open(p).read()
old="""        for c in changes {
            insert_status_change(&mut tx, c, 0).await?;
        }
        let memory"""
new="""        for c in changes {
            insert_status_change(&mut tx, c, 0).await?;
        }
        // Subscribers who asked for status changes hear of each in the same transaction.
        super::channel_subscriptions::queue_status_news(&mut tx, changes, Utc::now()).await?;
        let memory"""
assert old in s; s=s.replace(old,new); open(p,'w').write(s)

p=R+'src/store/columns.rs'; s=open(p).read()
s=s+open(D+'columns_add.rs').read()
s=s.replace("use tis_core::account::{Account, ApiToken};","use tis_core::account::{Account, ApiToken};\nuse tis_core::wire::{ChannelSubscription, NewsKind, SubscriptionChannel};",1)
s=s.replace("use super::{AuditEntry, OutboxEntry, OutboxMessage, Result, StoreError};","use super::{AuditEntry, OutboxEntry, OutboxMessage, Result, StoreError};\nuse crate::subscriptions::hooks::shown_url;",1)
open(p,'w').write(s)
print("applied")
