//! An app over a real SQLite file in a temporary directory, driven with `oneshot`.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tis_status::config::Config;
use tis_status::store::{Change, SqliteStore};
use tis_status::{AppState, import};
use tower::ServiceExt;

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    _dir: tempfile::TempDir,
}

/// The demo services and records, with no probes running (status is "unknown").
pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path()).await.expect("store opens");
    let config = Config::demo("http://127.0.0.1:9").expect("demo config");
    let export = import::parse("demo", tis_status::demo::DEMO_RECORDS).expect("demo parses");
    let ids: Vec<&str> = config.services.iter().map(|s| s.id.as_str()).collect();
    import::import(
        &store,
        "demo",
        &export,
        &ids,
        Change {
            actor: "test",
            at: chrono::Utc::now(),
        },
    )
    .await
    .expect("demo imports");
    let state = AppState::new(std::sync::Arc::new(store), config, true)
        .await
        .expect("state");
    let router = tis_status::app(state.clone(), None);
    TestApp {
        state,
        router,
        _dir: dir,
    }
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl TestApp {
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the app answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str) -> Answer {
        self.send(Request::get(uri).body(Body::empty()).expect("request"))
            .await
    }
}

/// How a request proves who sent it.
#[derive(Clone, Debug)]
pub enum Auth {
    Anonymous,
    /// An API token, as `Authorization: Bearer`.
    Token(String),
}

impl TestApp {
    /// An API token with `role`, made the way `tis-status token create` makes one.
    pub async fn token(&self, name: &str, role: tis_core::Role) -> Auth {
        let (token, _) = tis_status::auth::create_token(
            self.state.store.as_ref(),
            &tis_core::account::TokenInput {
                name: name.into(),
                role,
            },
            Change {
                actor: "test",
                at: chrono::Utc::now(),
            },
        )
        .await
        .expect("token created");
        Auth::Token(token)
    }

    /// A request with `auth` and, if given, a JSON body.
    pub async fn call(&self, method: &str, uri: &str, auth: &Auth, body: Option<Value>) -> Answer {
        let body = body.map(|b| b.to_string());
        self.call_raw(method, uri, auth, body.as_deref()).await
    }

    /// A request whose body is sent exactly as given, labelled as JSON.
    pub async fn call_raw(
        &self,
        method: &str,
        uri: &str,
        auth: &Auth,
        body: Option<&str>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(uri);
        match auth {
            Auth::Anonymous => {}
            Auth::Token(token) => {
                request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
        }
        let body = match body {
            Some(text) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(text.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).expect("request")).await
    }

    /// Status and headers only, for answers that never end (the live-events stream).
    pub async fn head_of(&self, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the app answers");
        (response.status(), response.headers().clone())
    }
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts a problem+json answer with `status`.
    #[track_caller]
    pub fn problem(&self, status: StatusCode) {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(
            self.header(header::CONTENT_TYPE),
            "application/problem+json",
            "{}",
            self.text()
        );
        let body = self.json();
        assert_eq!(body["status"], status.as_u16(), "{body}");
        assert!(
            body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "a problem says what to fix: {body}"
        );
    }
}
