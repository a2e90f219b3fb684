//! An app over a real store, driven with `oneshot`: a SQLite file in a temporary
//! directory, or, when `TIS_STATUS_TEST_POSTGRES` names a PostgreSQL server (as `cargo
//! xtask test` does for its second run of this suite), a database of its own there.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tis_status::AppState;
use tis_status::SharedStore;
use tis_status::config::Config;
use tis_status::store::import;
use tis_status::store::{Change, PgStore, SqliteStore};
use tower::ServiceExt;

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// An app over `state`, whose store lives in `dir` (kept until the app is dropped).
    pub fn over(state: AppState, router: Router, dir: tempfile::TempDir) -> TestApp {
        TestApp {
            state,
            router,
            _dir: dir,
        }
    }
}

/// A new, empty store for one test: a database of its own on the PostgreSQL server
/// `TIS_STATUS_TEST_POSTGRES` names, else the SQLite file in `dir`.
pub async fn test_store(dir: &std::path::Path) -> SharedStore {
    match std::env::var(crate::postgres::URL_ENV) {
        Ok(server) if !server.is_empty() => {
            let url = crate::pg_database::fresh_database(&server, "api").await;
            std::sync::Arc::new(PgStore::open(&url, None).await.expect("store opens"))
        }
        _ => std::sync::Arc::new(SqliteStore::open(dir).await.expect("store opens")),
    }
}

/// An app with the config `text` and an empty store, with no probes running.
pub async fn app_with_config(text: &str) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = test_store(dir.path()).await;
    let config = Config::parse("test.toml", text).expect("config");
    let state = AppState::new(store, config, false).await.expect("state");
    let router = tis_status::app(state.clone(), None);
    TestApp::over(state, router, dir)
}

/// The demo services and records, with no probes running (status is "unknown").
pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = test_store(dir.path()).await;
    let config = Config::demo("http://127.0.0.1:9").expect("demo config");
    let export = import::parse("demo", tis_status::demo::DEMO_RECORDS).expect("demo parses");
    let ids: Vec<&str> = config.services.iter().map(|s| s.id.as_str()).collect();
    import::import(
        store.as_ref(),
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
    let state = AppState::new(store, config, true).await.expect("state");
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
    /// The session cookie, with the CSRF header when `csrf` is set.
    Cookie {
        cookie: String,
        csrf: Option<String>,
    },
}

impl Auth {
    /// The same session without its CSRF header, as another site's form would send it.
    pub fn without_csrf(&self) -> Auth {
        match self {
            Auth::Cookie { cookie, .. } => Auth::Cookie {
                cookie: cookie.clone(),
                csrf: None,
            },
            other => other.clone(),
        }
    }
}

/// Everything the store keeps that a request could change: the export (every record
/// kind it holds), accounts, tokens (without their last-use time, which a refused
/// request made with a token rightly moves), probe results and the audit log.
#[derive(Debug, PartialEq)]
pub struct Stored {
    pub export: tis_core::export::Export,
    pub accounts: Vec<tis_core::account::Account>,
    pub tokens: Vec<(
        i64,
        String,
        tis_core::Role,
        Option<chrono::DateTime<chrono::Utc>>,
    )>,
    pub probe_results: Vec<tis_core::ProbeResult>,
    pub audit: Vec<tis_status::store::AuditEntry>,
}

impl TestApp {
    /// An API token with `role`, made the way `tis-status token create` makes one.
    pub async fn token(&self, name: &str, role: tis_core::Role) -> Auth {
        let (token, _) = tis_status::auth::create_token(
            self.state.store.as_ref(),
            &tis_core::account::TokenInput {
                name: name.into(),
                role,
                location: None,
                expires_in_days: None,
            },
            self.state.config.location(),
            Change {
                actor: "test",
                at: chrono::Utc::now(),
            },
        )
        .await
        .expect("token created");
        Auth::Token(token)
    }

    /// An account with `role`, signed in through the API: its cookie and CSRF token.
    pub async fn signed_in(&self, name: &str, role: tis_core::Role) -> Auth {
        self.signed_in_as(name, None, role).await
    }

    /// Like [`TestApp::signed_in`], for an account with a display name.
    pub async fn signed_in_as(
        &self,
        name: &str,
        display_name: Option<&str>,
        role: tis_core::Role,
    ) -> Auth {
        let password = "correct horse battery staple";
        tis_status::auth::add_account(
            self.state.store.as_ref(),
            &tis_core::account::AccountInput {
                name: name.into(),
                display_name: display_name.map(str::to_string),
                role,
                password: password.into(),
            },
            Change {
                actor: "test",
                at: chrono::Utc::now(),
            },
        )
        .await
        .expect("account added");
        let answer = self
            .call(
                "POST",
                "/api/v1/session",
                &Auth::Anonymous,
                Some(serde_json::json!({"name": name, "password": password})),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "sign-in: {}", answer.text());
        let cookie = answer
            .header(header::SET_COOKIE)
            .split(';')
            .next()
            .unwrap_or_default()
            .to_string();
        let csrf = answer.json()["csrf_token"]
            .as_str()
            .expect("csrf_token")
            .to_string();
        Auth::Cookie {
            cookie,
            csrf: Some(csrf),
        }
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
            Auth::Cookie { cookie, csrf } => {
                request = request.header(header::COOKIE, cookie);
                if let Some(csrf) = csrf {
                    request = request.header("x-csrf-token", csrf);
                }
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

    /// What the store holds now, to show a refused request changed nothing.
    pub async fn stored(&self) -> Stored {
        let store = self.state.store.as_ref();
        Stored {
            export: store.export().await.expect("export"),
            accounts: store.accounts().await.expect("accounts"),
            tokens: store
                .tokens()
                .await
                .expect("tokens")
                .into_iter()
                .map(|t| (t.id, t.name, t.role, t.revoked_at))
                .collect(),
            probe_results: store
                .probe_results_since(chrono::DateTime::UNIX_EPOCH)
                .await
                .expect("probe results"),
            audit: store.audit_log(10_000).await.expect("audit log"),
        }
    }
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts a problem+json answer with `status`, and returns its detail and the fields
    /// it names.
    #[track_caller]
    pub fn problem(&self, status: StatusCode) -> Problem {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(
            self.header(header::CONTENT_TYPE),
            "application/problem+json",
            "{}",
            self.text()
        );
        let body = self.json();
        assert_eq!(body["status"], status.as_u16(), "{body}");
        // Every answer names a documented kind of problem, titled with its kind's words,
        // so clients can match on `type` alone.
        let kind: tis_core::problem::ProblemType = serde_json::from_value(body["type"].clone())
            .unwrap_or_else(|e| panic!("a documented problem type: {e}: {body}"));
        assert_eq!(body["title"], kind.label(), "{body}");
        let detail = body["detail"].as_str().unwrap_or_default().to_string();
        assert!(!detail.is_empty(), "a problem says what to fix: {body}");
        let fields = body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        (
                            e["field"].as_str().unwrap_or_default().to_string(),
                            e["message"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Problem {
            kind,
            detail,
            fields,
        }
    }
}

/// A problem+json answer, read.
#[derive(Debug)]
pub struct Problem {
    pub kind: tis_core::problem::ProblemType,
    pub detail: String,
    /// Each field named in `errors`, with its message.
    pub fields: Vec<(String, String)>,
}

impl Problem {
    /// The message for `field`, failing the test if the problem does not name it.
    #[track_caller]
    pub fn about(&self, field: &str) -> &str {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .unwrap_or_else(|| panic!("no problem named {field}: {self:?}"))
    }
}
