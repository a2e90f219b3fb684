//! A service's status marker: words, symbol and colour.

use tis_core::Status;

use crate::{El, h};

/// A service's status in words, with a symbol and a colour; the words alone carry the
/// meaning, so nothing depends on colour.
pub fn status_marker(status: Status) -> El {
    h("span")
        .class(format!("status status-{}", status.as_str()))
        .c(h("span")
            .class("status-symbol")
            .a("aria-hidden", "true")
            .t(status.symbol()))
        .c(h("span").class("status-label").t(status.label()))
}
