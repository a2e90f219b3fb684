//! The browser app's files. Client-side routes get `index.html`, so a link to
//! `/incidents/3` works when opened directly.

use std::convert::Infallible;
use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;
use tower_http::services::{ServeDir, ServeFile};

pub type AssetService = BoxCloneSyncService<Request<Body>, Response, Infallible>;

pub fn service(dir: Option<PathBuf>) -> AssetService {
    match dir.filter(|d| d.join("index.html").is_file()) {
        Some(dir) => {
            let index = ServeFile::new(dir.join("index.html"));
            let files = ServeDir::new(dir).fallback(index);
            BoxCloneSyncService::new(ServiceExt::<Request<Body>>::map_response(files, |r| {
                r.map(Body::new)
            }))
        }
        None => BoxCloneSyncService::new(tower::service_fn(|_req| async {
            Ok::<_, Infallible>(
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    "The TIS Status app has not been built, so only the API is available.\n\
                     Build and start everything with: cargo xtask run\n",
                )
                    .into_response(),
            )
        })),
    }
}
