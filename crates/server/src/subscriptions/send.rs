//! Sending one outbox message to a subscriber (an email here; a webhook or channel in
//! `hooks`): the address is read now (a subscriber who has gone gets nothing), the link
//! tokens are made now and only their hashes kept, and the address never reaches a log
//! line or a stored error.

use chrono::Utc;
use lettre::message::Mailbox;

use super::email::{Links, message};
use super::{Payload, TokenPurpose, new_token, subscriber_of};
use crate::AppState;
use crate::alerts::channels::Sender;
use crate::auth::sha256_hex;
use crate::store::OutboxEntry;

/// One try at sending `entry`. `Ok` also when there is nobody to send to any more.
pub async fn send(state: &AppState, sender: &Sender, entry: &OutboxEntry) -> Result<(), String> {
    let id = subscriber_of(&entry.message.channel)
        .ok_or_else(|| format!("\"{}\" names no subscriber", entry.message.channel))?;
    let payload: Payload = serde_json::from_str(&entry.message.payload)
        .map_err(|e| format!("the stored message cannot be read: {e}"))?;
    let store_error = |e: crate::store::StoreError| format!("the store could not be read: {e}");
    // Webhooks and Teams or Slack channels that admins made: shaped and sent apart.
    if let Some(hook) = state.store.subscriber_hook(id).await.map_err(store_error)? {
        return super::hooks::send(state, sender, entry, &hook, &payload).await;
    }
    let Some(address) = state
        .store
        .subscriber_address(id)
        .await
        .map_err(store_error)?
    else {
        // Unsubscribed or forgotten since it was queued.
        return Ok(());
    };
    let to: Mailbox = address
        .parse()
        .map_err(|_| "the subscriber's address cannot be used".to_string())?;
    let now = Utc::now();
    let token = |purpose| {
        let state = state.clone();
        async move {
            let token = new_token().ok_or("the OS gave no random bytes for a link")?;
            let kept = state
                .store
                .add_subscriber_token(id, purpose, &sha256_hex(&token), now)
                .await
                .map_err(|e| format!("the store could not keep a link: {e}"))?;
            Ok::<_, String>(kept.then_some(token))
        }
    };
    let confirm = match payload {
        Payload::Confirm => match token(TokenPurpose::Confirm).await? {
            Some(t) => Some(t),
            None => return Ok(()),
        },
        _ => None,
    };
    let Some(manage) = token(TokenPurpose::Manage).await? else {
        return Ok(());
    };
    let links = Links {
        base: state.config.public_url().trim_end_matches('/').to_string(),
        confirm,
        manage,
    };
    let names = |id: &str| {
        state
            .config
            .services
            .iter()
            .find(|s| s.id == id)
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    };
    let mail = message(
        &payload,
        &links,
        &names,
        sender.mail_from()?,
        to,
        &entry.message.message_id,
    )?;
    // A mail server's refusal often repeats the address: it is said as "the subscriber".
    sender
        .send_mail(mail)
        .await
        .map_err(|e| e.replace(&address, "(the subscriber's address)"))
}
