
/// A webhook, Teams or Slack subscription's row, with its services read apart; `None`
/// when its kind is not one this version sends to.
pub fn channel_subscription_from(
    row: &impl Columns,
    services: Vec<String>,
) -> Result<Option<ChannelSubscription>> {
    let Some(kind) = SubscriptionChannel::parse(&row.text("kind")?) else {
        return Ok(None);
    };
    let mut kinds = Vec::new();
    if row.flag("incidents")? {
        kinds.push(NewsKind::Incidents);
    }
    if row.flag("maintenance")? {
        kinds.push(NewsKind::Maintenance);
    }
    Ok(Some(ChannelSubscription {
        id: row.int("id")?,
        kind,
        name: row.opt_text("name")?.unwrap_or_default(),
        url: shown_url(&row.text("address")?),
        services,
        kinds,
        status_changes: row.flag("status_changes")?,
        created_at: row.time("created_at")?,
        created_by: row.opt_text("created_by")?.unwrap_or_default(),
        last_delivered_at: row.opt_time("last_delivered_at")?,
        last_error: row.opt_text("last_error")?,
        paused_at: row.opt_time("paused_at")?,
    }))
}
