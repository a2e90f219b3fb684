use leptos::prelude::*;
use tis_core::Status;

/// A service's status in words, with a symbol and a colour; the words alone carry the
/// meaning, so nothing depends on colour.
#[component]
pub fn StatusMarker(
    /// The status to show.
    status: Status,
) -> impl IntoView {
    view! {
        <span class=format!("status status-{}", status.as_str())>
            <span class="status-symbol" aria-hidden="true">{status.symbol()}</span>
            <span class="status-label">{status.label()}</span>
        </span>
    }
}
