//! The glossary behind the plain-language hints, as the staff pages read and write it.

use serde::{Deserialize, Serialize};

use crate::plain::GlossaryTerm;

/// `GET /api/v1/glossary` and `PUT /api/v1/glossary`: the words the plain-language hints
/// flag, each with what to say instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Glossary {
    pub terms: Vec<GlossaryTerm>,
}
