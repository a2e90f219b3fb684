//! Request tracing: every request gets an id (`x-request-id`, sent back on the answer),
//! every log line written while it is handled names it, and every problem+json answer
//! carries it as `request_id`, so a reader can quote it to support and we can find the
//! lines.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::{DefaultOnFailure, DefaultOnRequest, DefaultOnResponse, TraceLayer};
use tracing::Level;

/// The header a request id travels in, both ways.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest client-sent request id that is kept. A UUID is 36 characters; proxies'
/// ids (nginx's `$request_id`, 32 hex digits) fit well within this.
const MAX_ID_LEN: usize = 64;

tokio::task_local! {
    /// The id of the request being answered, for error answers built deep inside
    /// handlers and extractors, which cannot see the request itself.
    static CURRENT: String;
}

/// The id of the request this task is answering, if it is answering one.
pub fn current_request_id() -> Option<String> {
    CURRENT
        .try_with(Clone::clone)
        .ok()
        .filter(|id| !id.is_empty())
}

/// Whether a client-sent id may be kept: short, and only letters, digits and `-_.:`, so
/// that it cannot forge log lines or carry anything but an id.
fn acceptable(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_ID_LEN
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Drops a client-sent `x-request-id` that is not [`acceptable`] (and all but the first
/// of several), so that [`SetRequestIdLayer`] gives the request a fresh UUID instead.
async fn screen(mut request: Request, next: Next) -> Response {
    let headers = request.headers_mut();
    let keep = {
        let mut sent = headers.get_all(&REQUEST_ID).iter();
        match (sent.next(), sent.next()) {
            (Some(first), None) if acceptable(first) => Some(first.clone()),
            _ => None,
        }
    };
    headers.remove(&REQUEST_ID);
    if let Some(id) = keep {
        headers.insert(REQUEST_ID, id);
    }
    next.run(request).await
}

/// Runs the rest of the request with its id in [`CURRENT`].
async fn scope(request: Request, next: Next) -> Response {
    let id = request_id(&request).unwrap_or_default();
    CURRENT.scope(id, next.run(request)).await
}

fn request_id<B>(request: &axum::http::Request<B>) -> Option<String> {
    request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .map(str::to_string)
}

/// The span every line logged while answering `request` sits in: the id, the method and
/// the path. Never the query, the headers (cookies, `Authorization`) or the body (sign-in
/// names, passwords): logs are read by more people than those secrets are for.
fn span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    tracing::info_span!(
        "request",
        id = %request_id(request).unwrap_or_default(),
        method = %request.method(),
        path = %request.uri().path(),
    )
}

/// Adds request ids and tracing to `router`: outermost the screening and the id, then
/// the span, then the id in the task for error answers; the id is copied onto the answer.
pub fn layer<S>(router: axum::Router<S>) -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    // `Router::layer` wraps in reverse: the last added runs first.
    router
        .layer(axum::middleware::from_fn(scope))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(span)
                .on_request(DefaultOnRequest::new().level(Level::DEBUG))
                .on_response(DefaultOnResponse::new().level(Level::DEBUG))
                // Server errors are worth a line at the default level, with the id.
                .on_failure(DefaultOnFailure::new().level(Level::ERROR)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(axum::middleware::from_fn(screen))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_ids_from_clients_are_kept() {
        for ok in [
            "3f2c9b1e-0d4a-4e1b-9f7a-2b8c6d5e4f3a",
            "abc",
            "1-5759e988:bd8.x_y",
        ] {
            assert!(acceptable(&HeaderValue::from_static(ok)), "{ok}");
        }
        let long = "a".repeat(MAX_ID_LEN + 1);
        for bad in ["", "a b", "id\"x", "<script>", long.as_str(), "ünï"] {
            let value = HeaderValue::from_bytes(bad.as_bytes()).unwrap();
            assert!(!acceptable(&value), "{bad}");
        }
    }
}
