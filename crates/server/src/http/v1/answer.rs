//! How a read is answered: the public from the snapshot (built or loaded once per snapshot,
//! compressed, with its ETag), signed-in staff with an answer of their own that carries
//! internal detail and is never stored by a cache; and the check every count in a
//! query shares.

use std::future::Future;
use std::ops::RangeInclusive;
use std::sync::Arc;

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::Response;
use serde::Serialize;
use tis_core::FieldError;

use crate::AppState;
use crate::auth::MaybeActor;
use crate::http::error::AppError;
use crate::http::v1::{is_staff, private, varies_by_reader};
use crate::read::model::Model;
use crate::read::snapshot::{Cached, Snapshot};

/// What a read is answered from: the snapshot current when the request came in, and the
/// reader's headers that their copy is checked against (ETag, encodings).
pub struct Public {
    pub snapshot: Arc<Snapshot>,
    headers: HeaderMap,
}

impl FromRequestParts<AppState> for Public {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(Public {
            snapshot: state.snapshots.current(),
            headers: parts.headers.clone(),
        })
    }
}

impl Public {
    /// The public answer at `key`, built by `build` the first time this snapshot is asked
    /// for it, with its ETag: everyone gets the same bytes.
    pub fn answer<T: Serialize>(&self, key: &str, build: impl FnOnce(&Model) -> T) -> Response {
        self.snapshot.json(key, build).respond(&self.headers)
    }

    /// A public answer already built or loaded.
    pub fn send(&self, cached: &Cached) -> Response {
        cached.respond(&self.headers)
    }
}

/// Who is reading an address that answers staff differently: signed-in staff, or the
/// public; and what they are answered from.
pub struct Reader {
    staff: bool,
    pub public: Public,
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let MaybeActor(actor) = MaybeActor::from_request_parts(parts, state).await?;
        Ok(Reader {
            staff: is_staff(&actor),
            public: Public::from_request_parts(parts, state).await?,
        })
    }
}

impl Reader {
    /// Whether the reader is signed-in staff, who may see internal detail.
    pub fn is_staff(&self) -> bool {
        self.staff
    }

    /// The model answers are built from.
    pub fn model(&self) -> &Model {
        &self.public.snapshot.model
    }

    /// Answers from the model: `build` is told whether the reader is staff. The public
    /// answer is built once per snapshot under `key`.
    pub fn from_model<T: Serialize>(
        &self,
        key: &str,
        build: impl FnOnce(&Model, bool) -> T,
    ) -> Response {
        if self.staff {
            return private(Json(build(self.model(), true)));
        }
        varies_by_reader(self.public.answer(key, |model| build(model, false)))
    }

    /// Answers from the store: `load` is told whether the reader is staff. The public
    /// answer is loaded once per snapshot under `key`, however many readers ask.
    pub async fn loaded<T, F, Fut>(&self, key: &str, load: F) -> Result<Response, AppError>
    where
        T: Serialize,
        F: FnOnce(bool) -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        if self.staff {
            // Staff are few; their answer is theirs alone, never kept beside the public one.
            return Ok(private(Json(load(true).await?)));
        }
        let cached = self.public.snapshot.load_json(key, || load(false)).await?;
        Ok(varies_by_reader(self.public.send(&cached)))
    }
}

/// The first of `items` that `matches`, or a 404 that says there is no `what`.
pub fn one_of<T>(
    items: &[T],
    matches: impl Fn(&T) -> bool,
    what: impl FnOnce() -> String,
) -> Result<&T, AppError> {
    items
        .iter()
        .find(|item| matches(item))
        .ok_or_else(|| AppError::NotFound(what()))
}

/// `value` when it is in `allowed`; else a refusal naming the query field `field`.
pub fn whole_number(
    field: &str,
    value: u32,
    allowed: RangeInclusive<u32>,
) -> Result<u32, AppError> {
    if allowed.contains(&value) {
        return Ok(value);
    }
    let (low, high) = allowed.into_inner();
    Err(AppError::BadQuery(vec![FieldError::new(
        field,
        format!("{field} must be a whole number from {low} to {high}; you sent {value}."),
    )]))
}
