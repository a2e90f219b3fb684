//! The mapping between a stored row and each domain type, written once for both stores
//! against [`Columns`]: SQLite keeps times as RFC 3339 text and flags as integers,
//! PostgreSQL as `timestamptz` and `boolean`, and each row type says how it reads them.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use tis_core::account::{Account, ApiToken};
use tis_core::wire::{ChannelSubscription, NewsKind, SubscriptionChannel};
use tis_core::{
    DailyUptime, HeartbeatPing, Incident, IncidentUpdate, Notice, ProbeResult, Revision, Role,
    StatusChange,
};

use super::{AuditEntry, OutboxEntry, OutboxMessage, Result, StoreError};
use crate::subscriptions::hooks::shown_url;

/// What a row of either store gives: each column by name as the domain reads it.
pub trait Columns {
    fn text(&self, column: &str) -> Result<String>;
    fn opt_text(&self, column: &str) -> Result<Option<String>>;
    fn int(&self, column: &str) -> Result<i64>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>>;
    fn flag(&self, column: &str) -> Result<bool>;
    fn time(&self, column: &str) -> Result<DateTime<Utc>>;
    fn opt_time(&self, column: &str) -> Result<Option<DateTime<Utc>>>;
    fn date(&self, column: &str) -> Result<NaiveDate>;
    /// A column holding JSON (text in SQLite, `jsonb` in PostgreSQL).
    fn json<T: DeserializeOwned>(&self, column: &str) -> Result<T>;
    fn opt_json<T: DeserializeOwned>(&self, column: &str) -> Result<Option<T>>;

    /// A count or size the domain keeps as `u32`.
    fn count(&self, column: &str) -> Result<u32> {
        let n = self.int(column)?;
        u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("{column} = {n}")))
    }
    fn opt_count(&self, column: &str) -> Result<Option<u32>> {
        self.opt_int(column)?
            .map(|n| u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("{column} = {n}"))))
            .transpose()
    }
    /// An enum kept as its wire word.
    fn word<T: DeserializeOwned>(&self, column: &str) -> Result<T> {
        from_text(&self.text(column)?)
    }
    fn opt_word<T: DeserializeOwned>(&self, column: &str) -> Result<Option<T>> {
        self.opt_text(column)?.map(|t| from_text(&t)).transpose()
    }
}

impl Columns for SqliteRow {
    fn text(&self, column: &str) -> Result<String> {
        Ok(self.try_get(column)?)
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        Ok(self.try_get(column)?)
    }
    fn int(&self, column: &str) -> Result<i64> {
        Ok(self.try_get(column)?)
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>> {
        Ok(self.try_get(column)?)
    }
    fn flag(&self, column: &str) -> Result<bool> {
        Ok(self.try_get(column)?)
    }
    fn time(&self, column: &str) -> Result<DateTime<Utc>> {
        parse_time(self.try_get(column)?)
    }
    fn opt_time(&self, column: &str) -> Result<Option<DateTime<Utc>>> {
        self.try_get::<Option<String>, _>(column)?
            .map(parse_time)
            .transpose()
    }
    fn date(&self, column: &str) -> Result<NaiveDate> {
        let text: String = self.try_get(column)?;
        text.parse()
            .map_err(|e| StoreError::Corrupt(format!("date \"{text}\": {e}")))
    }
    fn json<T: DeserializeOwned>(&self, column: &str) -> Result<T> {
        json(self.try_get::<&str, _>(column)?)
    }
    fn opt_json<T: DeserializeOwned>(&self, column: &str) -> Result<Option<T>> {
        self.try_get::<Option<&str>, _>(column)?
            .map(json)
            .transpose()
    }
}

impl Columns for PgRow {
    fn text(&self, column: &str) -> Result<String> {
        Ok(self.try_get(column)?)
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        Ok(self.try_get(column)?)
    }
    fn int(&self, column: &str) -> Result<i64> {
        Ok(self.try_get(column)?)
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>> {
        Ok(self.try_get(column)?)
    }
    fn flag(&self, column: &str) -> Result<bool> {
        Ok(self.try_get(column)?)
    }
    fn time(&self, column: &str) -> Result<DateTime<Utc>> {
        Ok(self.try_get(column)?)
    }
    fn opt_time(&self, column: &str) -> Result<Option<DateTime<Utc>>> {
        Ok(self.try_get(column)?)
    }
    fn date(&self, column: &str) -> Result<NaiveDate> {
        Ok(self.try_get(column)?)
    }
    fn json<T: DeserializeOwned>(&self, column: &str) -> Result<T> {
        let value: serde_json::Value = self.try_get(column)?;
        serde_json::from_value(value).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
    }
    fn opt_json<T: DeserializeOwned>(&self, column: &str) -> Result<Option<T>> {
        self.try_get::<Option<serde_json::Value>, _>(column)?
            .map(|v| {
                serde_json::from_value(v).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
            })
            .transpose()
    }
}

pub fn result_from(row: &impl Columns) -> Result<ProbeResult> {
    Ok(ProbeResult {
        probe: row.text("probe")?,
        service: row.text("service")?,
        at: row.time("at")?,
        ok: row.flag("ok")?,
        latency_ms: row.count("latency_ms")?,
        error_kind: row.opt_word("error_kind")?,
        detail: row.text("detail")?,
        degraded: row.flag("degraded")?,
        location: row.opt_text("location")?,
    })
}

pub fn notice_from(row: &impl Columns) -> Result<Notice> {
    Ok(Notice {
        id: row.int("id")?,
        title: row.text("title")?,
        body: row.text("body")?,
        kind: row.word("kind")?,
        severity: row.word("severity")?,
        services: row.json("services")?,
        starts_at: row.time("starts_at")?,
        ends_at: row.opt_time("ends_at")?,
        audience: row.word("audience")?,
        published: row.flag("published")?,
        author: row.text("author")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

/// An incident's own row; its updates are read apart.
pub fn incident_from(row: &impl Columns) -> Result<Incident> {
    Ok(Incident {
        id: row.int("id")?,
        title: row.text("title")?,
        status: row.word("status")?,
        impact: row.word("impact")?,
        affected: row.json("affected")?,
        started_at: row.time("started_at")?,
        detected_at: row.opt_time("detected_at")?,
        resolved_at: row.opt_time("resolved_at")?,
        next_update_at: row.opt_time("next_update_at")?,
        updates: Vec::new(),
        report: row.opt_json("report")?,
    })
}

pub fn revision_from(row: &impl Columns) -> Result<Revision> {
    Ok(Revision {
        incident: row.int("incident")?,
        number: row.count("number")?,
        author: row.text("author")?,
        at: row.time("at")?,
        report: row.json("report")?,
    })
}

pub fn daily_uptime_from(row: &impl Columns) -> Result<DailyUptime> {
    Ok(DailyUptime {
        service: row.text("service")?,
        date: row.date("date")?,
        checks: row.count("checks")?,
        failed_checks: row.count("failed_checks")?,
        minutes: row.count("minutes")?,
        minutes_down: row.count("minutes_down")?,
        minutes_degraded: row.count("minutes_degraded")?,
        minutes_no_data: row.count("minutes_no_data")?,
        median_latency_ms: row.opt_count("median_latency_ms")?,
        p95_latency_ms: row.opt_count("p95_latency_ms")?,
    })
}

pub fn audit_from(row: &impl Columns) -> Result<AuditEntry> {
    Ok(AuditEntry {
        at: row.time("at")?,
        actor: row.text("actor")?,
        action: row.text("action")?,
        target: row.text("target")?,
        detail: row.text("detail")?,
    })
}

pub fn update_from(row: &impl Columns) -> Result<IncidentUpdate> {
    Ok(IncidentUpdate {
        at: row.time("at")?,
        status: row.word("status")?,
        body: row.text("body")?,
        author: row.text("author")?,
    })
}

pub fn change_from(row: &impl Columns) -> Result<StatusChange> {
    Ok(StatusChange {
        service: row.text("service")?,
        at: row.time("at")?,
        from: row.word("from_status")?,
        to: row.word("to_status")?,
        reason: row.opt_text("reason")?,
        detail: row.text("detail")?,
    })
}

pub fn entry_from(row: &impl Columns) -> Result<OutboxEntry> {
    Ok(OutboxEntry {
        id: row.int("id")?,
        message: OutboxMessage {
            message_id: row.text("message_id")?,
            kind: row.text("kind")?,
            channel: row.text("channel")?,
            payload: row.text("payload")?,
        },
        created_at: row.time("created_at")?,
        attempts: row.int("attempts")?.try_into().unwrap_or(u32::MAX),
        next_attempt_at: row.time("next_attempt_at")?,
        claimed_until: row.opt_time("claimed_until")?,
        delivered_at: row.opt_time("delivered_at")?,
        gave_up_at: row.opt_time("gave_up_at")?,
        last_error: row.opt_text("last_error")?,
    })
}

pub fn role(text: &str) -> Result<Role> {
    text.parse()
        .map_err(|e: String| StoreError::Corrupt(format!("role: {e}")))
}

pub fn account_from(row: &impl Columns) -> Result<Account> {
    Ok(Account {
        name: row.text("name")?,
        display_name: row.opt_text("display_name")?,
        role: role(&row.text("role")?)?,
        created_at: row.time("created_at")?,
        disabled_at: row.opt_time("disabled_at")?,
    })
}

pub fn token_from(row: &impl Columns) -> Result<ApiToken> {
    Ok(ApiToken {
        id: row.int("id")?,
        name: row.text("name")?,
        role: role(&row.text("role")?)?,
        location: row.opt_text("location")?,
        created_at: row.time("created_at")?,
        last_used_at: row.opt_time("last_used_at")?,
        expires_at: row.opt_time("expires_at")?,
        revoked_at: row.opt_time("revoked_at")?,
    })
}

pub fn ping_from(row: &impl Columns) -> Result<HeartbeatPing> {
    Ok(HeartbeatPing {
        at: row.time("at")?,
        kind: row.word("kind")?,
        message: row.text("message")?,
        run_ms: row.opt_int("run_ms")?.and_then(|ms| u64::try_from(ms).ok()),
    })
}

/// The snake_case name serde gives a unit enum variant.
pub fn enum_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => unreachable!("enum_text is only for unit enum variants, got {other:?}"),
    }
}

pub fn from_text<T: DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|e| StoreError::Corrupt(format!("\"{text}\": {e}")))
}

pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| unreachable!("domain types serialize: {e}"))
}

/// A domain value as JSON, for a PostgreSQL `jsonb` column.
pub fn to_json_value<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_else(|e| unreachable!("domain types serialize: {e}"))
}

pub fn json<T: DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn parse_time(text: String) -> Result<DateTime<Utc>> {
    DateTime::from_str(&text)
        .map(|t: DateTime<chrono::FixedOffset>| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("time \"{text}\": {e}")))
}

/// Whether a token last noted as used at `last` should be noted again at `at`: recording
/// every use would turn each pushed probe result into two writes, and a minute is precise
/// enough to tell a token is in use.
pub fn worth_noting_use(last: Option<DateTime<Utc>>, at: DateTime<Utc>) -> bool {
    last.is_none_or(|last| at - last >= chrono::TimeDelta::minutes(1))
}

/// A webhook, Teams or Slack subscription's row, with its services read apart; `None`
/// when its kind is not one this version sends to.
/// The kinds of news a subscriber's row says it gets.
pub fn news_kinds(row: &impl Columns) -> Result<Vec<NewsKind>> {
    let mut kinds = Vec::new();
    if row.flag("incidents")? {
        kinds.push(NewsKind::Incidents);
    }
    if row.flag("maintenance")? {
        kinds.push(NewsKind::Maintenance);
    }
    Ok(kinds)
}

pub fn channel_subscription_from(
    row: &impl Columns,
    services: Vec<String>,
) -> Result<Option<ChannelSubscription>> {
    let Some(kind) = SubscriptionChannel::parse(&row.text("kind")?) else {
        return Ok(None);
    };
    Ok(Some(ChannelSubscription {
        id: row.int("id")?,
        kind,
        name: row.opt_text("name")?.unwrap_or_default(),
        url: shown_url(&row.text("address")?),
        services,
        kinds: news_kinds(row)?,
        status_changes: row.flag("status_changes")?,
        created_at: row.time("created_at")?,
        created_by: row.opt_text("created_by")?.unwrap_or_default(),
        last_delivered_at: row.opt_time("last_delivered_at")?,
        last_error: row.opt_text("last_error")?,
        paused_at: row.opt_time("paused_at")?,
    }))
}
