//! The browser app's files, served by `tower_http`'s `ServeDir` with compressed copies
//! (brotli and gzip) beside them, and with this app's caching rules: Trunk's hashed names
//! are immutable, everything else is revalidated.
//!
//! The compressed copies are made at start-up, in the background, into a private
//! temporary directory of this process (see [`Cache`]); until a copy is ready the file
//! goes out as it is. Making them here rather than in `cargo xtask build` keeps every way
//! of getting the files (Trunk alone, a deploy's copy, the tests' hand-written ones)
//! served compressed, and leaves the app's directory untouched, so it may be read-only.
//!
//! Client-side routes get `index.html`, so a link to `/manage/incidents/3` works when
//! opened directly; `/api/…` never does, so a mistyped API address gets a JSON 404.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, Uri, header, request};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;
use tower_http::services::ServeDir;

use crate::http::error::AppError;
use crate::read::snapshot::{brotli, fnv1a, gzip};

pub type AssetService = BoxCloneSyncService<Request<Body>, Response, Infallible>;

/// Trunk's hashed names never change content, so browsers and CDNs may keep them a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Anything else may change with a deploy: reuse it only after asking (a 304 from
/// `Last-Modified`).
const REVALIDATE: &str = "no-cache";
/// Files this large are served as they are: the app's files are far smaller, and a stray
/// large file is not worth the seconds of compression.
const COMPRESS_UP_TO: u64 = 16 * 1024 * 1024;

/// Where the staff app's page sits among the app's files.
const STAFF_INDEX: &str = "/manage/index.html";

/// The app's files, or nothing when the app has not been built.
#[derive(Clone)]
pub struct Assets {
    inner: Option<Arc<Files>>,
}

struct Files {
    /// The compressed copies first, then the app's directory.
    serve: ServeDir<ServeDir>,
    /// Where the compressed copies are; removed when the files are no longer served.
    _cache: Option<tempfile::TempDir>,
    /// The HTML and CSS files by URL path, for the page template and the CSP hashes.
    texts: HashMap<String, String>,
    has_staff_index: bool,
    /// The service worker for this build (see `sw`).
    worker: String,
}

/// Whether `path` is a route of the staff app: `/sign-in` and everything under `/manage`.
fn is_staff_route(path: &str) -> bool {
    path == "/sign-in" || path == "/manage" || path.starts_with("/manage/")
}

/// One of the app's files, as found at start-up.
struct Found {
    url: String,
    path: PathBuf,
    len: u64,
    compressible: bool,
}

impl Assets {
    /// Finds every file under `dir` (which must hold `index.html`) and starts making their
    /// compressed copies on a background thread. Without a usable `dir`, only the API is
    /// served.
    pub fn load(dir: Option<&Path>) -> Assets {
        let Some(dir) = dir else {
            return Assets { inner: None };
        };
        let mut found = Vec::new();
        if let Err(e) = find_files(dir, dir, &mut found) {
            tracing::error!(error = %e, dir = %dir.display(), "cannot read the app's files");
            return Assets { inner: None };
        }
        let mut texts = HashMap::new();
        let mut kept = Vec::new();
        for file in &found {
            let bytes = match std::fs::read(&file.path) {
                Ok(bytes) => bytes,
                Err(e) => {
                    tracing::error!(error = %e, file = %file.path.display(), "cannot read one of the app's files");
                    return Assets { inner: None };
                }
            };
            if crate::http::sw::kept(&file.url) {
                kept.push(format!("{}={:016x};", file.url, fnv1a(&bytes)));
            }
            if (file.url.ends_with(".html") || file.url.ends_with(".css"))
                && let Ok(text) = String::from_utf8(bytes)
            {
                texts.insert(file.url.clone(), text);
            }
        }
        if !texts.contains_key("/index.html") {
            tracing::error!(dir = %dir.display(), "the app's directory has no index.html");
            return Assets { inner: None };
        }
        kept.sort();
        let version = format!("{:016x}", fnv1a(kept.concat().as_bytes()));
        let mut paths: Vec<String> = found
            .iter()
            .map(|f| f.url.clone())
            .filter(|url| crate::http::sw::kept(url))
            .collect();
        paths.sort();
        let worker = crate::http::sw::script(&version, &paths);
        let cache = make_cache();
        // Without a cache of our own, copies someone made beside the files are still used.
        let copies = cache.as_ref().map_or(dir, |c| c.path()).to_path_buf();
        let serve = ServeDir::new(&copies)
            .precompressed_br()
            .precompressed_gzip()
            .append_index_html_on_directories(false)
            .fallback(ServeDir::new(dir).append_index_html_on_directories(false));
        // A plain thread: compressing is CPU work that must not hold up request handling,
        // and `load` may run outside a Tokio runtime.
        if cache.is_some() {
            let spawned = std::thread::Builder::new()
                .name("compress-assets".into())
                .spawn(move || compress_all(&copies, found));
            if let Err(e) = spawned {
                tracing::warn!(error = %e, "cannot compress the app's files; they are sent as they are");
            }
        }
        Assets {
            inner: Some(Arc::new(Files {
                serve,
                _cache: cache,
                has_staff_index: texts.contains_key(STAFF_INDEX),
                texts,
                worker,
            })),
        }
    }

    /// The text of each app page (public and staff), for the CSP hashes of their inline
    /// scripts.
    pub fn index_pages(&self) -> Vec<&str> {
        ["/index.html", STAFF_INDEX]
            .into_iter()
            .filter_map(|path| self.text(path))
            .collect()
    }

    /// The text of the public app's `index.html`, if the app was built.
    pub fn index_page(&self) -> Option<&str> {
        self.text("/index.html")
    }

    /// The text of the HTML or CSS file at URL path `path`, if there is one.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.inner.as_ref()?.texts.get(path).map(String::as_str)
    }

    /// A tower service answering requests from these files.
    pub fn service(&self) -> AssetService {
        let assets = self.clone();
        BoxCloneSyncService::new(tower::service_fn(move |request: Request<Body>| {
            let assets = assets.clone();
            async move { Ok::<_, Infallible>(assets.respond(request).await) }
        }))
    }

    async fn respond(&self, request: Request<Body>) -> Response {
        let path = request.uri().path().to_string();
        if path == "/api" || path.starts_with("/api/") {
            return AppError::NotFound("such API address".into()).into_response();
        }
        let Some(files) = &self.inner else {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "The TIS Status app has not been built, so only the API is available.\n\
                 Build and start everything with: cargo xtask run\n",
            )
                .into_response();
        };
        if request.method() != Method::GET && request.method() != Method::HEAD {
            return (
                StatusCode::METHOD_NOT_ALLOWED,
                [(header::ALLOW, "GET, HEAD")],
                "Only GET and HEAD are allowed here.\n",
            )
                .into_response();
        }
        if path == "/sw.js" {
            return crate::http::sw::respond(&files.worker);
        }
        let (parts, _) = request.into_parts();
        let last = path.rsplit('/').next().unwrap_or("");
        // Trunk stages builds in `.stage`; dot files are never part of the app.
        let hidden = path.split('/').any(|part| part.starts_with('.'));
        // A staff route is the staff app's page without a look at the files: `/manage` is
        // also a directory of them.
        if !hidden && (last.contains('.') || !is_staff_route(&path)) {
            let response = files.file(&parts, &path).await;
            if response.status() != StatusCode::NOT_FOUND {
                return response;
            }
        }
        // A missing file (the last part has an extension) is a 404: answering a script
        // or stylesheet request with the page would only hide the broken link.
        if last.contains('.') {
            return (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "There is no such file. Check the address.\n",
            )
                .into_response();
        }
        // A client-side route such as `/manage/incidents/3`: the app decides what it shows.
        let page = if files.has_staff_index && is_staff_route(&path) {
            STAFF_INDEX
        } else {
            "/index.html"
        };
        files.file(&parts, page).await
    }
}

impl Files {
    /// The file at URL path `path` for a request like `parts`, with this app's caching
    /// rules, or a bare 404.
    async fn file(&self, parts: &request::Parts, path: &str) -> Response {
        let Ok(uri) = path.parse::<Uri>() else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let mut request = Request::new(Body::empty());
        *request.method_mut() = parts.method.clone();
        *request.uri_mut() = uri;
        *request.headers_mut() = parts.headers.clone();
        let Ok(response) = self.serve.clone().oneshot(request).await;
        let mut response = response.map(Body::new);
        let status = response.status();
        if !(status.is_success() || status == StatusCode::NOT_MODIFIED) {
            return response;
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        let headers = response.headers_mut();
        let rule = if is_hashed(name) {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(rule));
        // Caches must keep one copy per encoding.
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        if let Some(with_charset) = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .filter(|essence| is_textual(essence) && !essence.contains(';'))
            .and_then(|essence| HeaderValue::from_str(&format!("{essence}; charset=utf-8")).ok())
        {
            headers.insert(header::CONTENT_TYPE, with_charset);
        }
        response
    }
}

/// A directory for the compressed copies: the system's temporary space, so that the
/// app's directory (which may be read-only) and the data directory (which is for what
/// must be kept) are never written; private to this process (made afresh, readable by
/// this user only), so no one else on the machine can put a file in it for readers to be
/// sent. `None` (and a warning) when it cannot be made: files then go out as they are.
fn make_cache() -> Option<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix("tis-status-assets-")
        .tempdir()
        .inspect_err(|e| {
            tracing::warn!(error = %e, "cannot make a directory for compressed copies of the app's files; they are sent as they are");
        })
        .ok()
}

/// Whether a file of type `essence` is text, which is sent with its character set.
fn is_textual(essence: &str) -> bool {
    essence.starts_with("text/")
        || matches!(
            essence,
            "application/javascript" | "application/json" | "image/svg+xml"
        )
}

/// Whether a file named `name` of `len` bytes is worth compressing.
fn is_compressible(name: &str, len: u64) -> bool {
    let mime = mime_guess::from_path(name).first_or_octet_stream();
    let essence = mime.essence_str();
    len <= COMPRESS_UP_TO
        && (is_textual(essence)
            || matches!(
                essence,
                "application/wasm" | "application/xml" | "image/x-icon" | "font/ttf"
            ))
}

/// Makes the compressed copies that `cache` lacks, smallest file first, so the page
/// itself and its stylesheet are ready almost at once.
fn compress_all(cache: &Path, mut found: Vec<Found>) {
    let started = std::time::Instant::now();
    found.sort_by_key(|f| f.len);
    for file in found.iter().filter(|f| f.compressible) {
        if let Err(e) = compress(cache, file) {
            tracing::warn!(error = %e, file = %file.url, "cannot write a compressed copy; the file is sent as it is");
            return;
        }
    }
    tracing::debug!(elapsed = ?started.elapsed(), cache = %cache.display(), "compressed the app's files");
}

/// Writes `<url>.br` and `<url>.gz` under `cache`, each only when it is smaller than the
/// file (else `ServeDir` finds none and sends the file).
fn compress(cache: &Path, file: &Found) -> std::io::Result<()> {
    let target = cache.join(file.url.trim_start_matches('/'));
    let with = |ext: &str| {
        let mut name = target.clone().into_os_string();
        name.push(ext);
        PathBuf::from(name)
    };
    let (br, gz) = (with(".br"), with(".gz"));
    let modified = std::fs::metadata(&file.path)?.modified()?;
    let body = std::fs::read(&file.path)?;
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // The best each can do: made once per build, and every reader gets the smaller files.
    if let Some(out) = gzip(&body, flate2::Compression::best()) {
        write_whole(&gz, &out, modified)?;
    }
    match brotli(&body, 11) {
        Some(out) => write_whole(&br, &out, modified),
        None => Ok(()),
    }
}

/// Writes `bytes` to `path` through a temporary name, so that a reader never sees half a
/// file. The copy gets the
/// file's own time, so every encoding has the same `Last-Modified` and a revalidation
/// sent with any of them is answered alike.
fn write_whole(path: &Path, bytes: &[u8], modified: std::time::SystemTime) -> std::io::Result<()> {
    let mut partial = path.to_path_buf().into_os_string();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let mut out = std::fs::File::create(&partial)?;
    out.write_all(bytes)?;
    out.set_modified(modified)?;
    drop(out);
    std::fs::rename(&partial, path)
}

/// Whether `name` carries Trunk's content hash: `name-<16 hex digits>` then `.ext` or
/// `_bg.wasm`, e.g. `tis-status-app-fca4227aadd078fd_bg.wasm`.
fn is_hashed(name: &str) -> bool {
    name.match_indices('-').any(|(i, _)| {
        let rest = &name.as_bytes()[i + 1..];
        let digits = rest.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        // Trunk writes its 64-bit hash in hex without leading zeros: usually 16 digits,
        // 15 one time in 16, fewer more rarely. Twelve or more is no ordinary word.
        (12..=16).contains(&digits) && matches!(rest.get(digits), Some(b'.' | b'_'))
    })
}

fn find_files(root: &Path, dir: &Path, out: &mut Vec<Found>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        // Trunk stages builds in `.stage`; dot files are never part of the app.
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path: PathBuf = entry.path();
        let kind = std::fs::metadata(&path)?;
        if kind.is_dir() {
            find_files(root, &path, out)?;
        } else if kind.is_file() {
            let Ok(relative) = path.strip_prefix(root) else {
                continue;
            };
            let url = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .fold(String::new(), |url, part| url + "/" + &part);
            out.push(Found {
                compressible: is_compressible(&url, kind.len()),
                url,
                path,
                len: kind.len(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
