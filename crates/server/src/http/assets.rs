//! The browser app's files, held in memory and compressed once (brotli and gzip) in the
//! background after start-up, so a surge of first visits during an outage costs no disk
//! reads and no compression. Nothing is written, so a read-only assets directory works.
//!
//! Client-side routes get `index.html`, so a link to `/incidents/3` works when opened
//! directly; `/api/…` never does, so a mistyped API address gets a JSON 404.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::util::BoxCloneSyncService;

use crate::http::error::AppError;

pub type AssetService = BoxCloneSyncService<Request<Body>, Response, Infallible>;

/// Trunk's hashed names never change content, so browsers and CDNs may keep them a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Anything else may change with a deploy: reuse it only after asking (a 304 with the ETag).
const REVALIDATE: &str = "no-cache";
/// Files this large are served as they are: the app's files are far smaller, and holding
/// a stray large file three times over in memory is not worth it.
const COMPRESS_UP_TO: usize = 16 * 1024 * 1024;

/// The app's files, or nothing when the app has not been built.
#[derive(Clone)]
pub struct Assets {
    inner: Option<Arc<Files>>,
}

struct Files {
    /// Keyed by URL path, e.g. `/main-96d16a5c70743e01.css`.
    by_path: HashMap<String, Arc<Asset>>,
    index: Arc<Asset>,
    /// The staff app's page (`manage/index.html`), a bundle of its own, if it was built.
    staff_index: Option<Arc<Asset>>,
    /// The service worker for this build (see `sw`).
    worker: String,
}

/// Where the staff app's page sits among the app's files.
const STAFF_INDEX: &str = "/manage/index.html";

/// Whether `path` is a route of the staff app: `/sign-in` and everything under `/manage`.
fn is_staff_route(path: &str) -> bool {
    path == "/sign-in" || path == "/manage" || path.starts_with("/manage/")
}

struct Asset {
    body: Bytes,
    content_type: HeaderValue,
    cache_control: &'static str,
    /// A hash of the uncompressed bytes; each encoding gets its own tag from it.
    tag: String,
    compressible: bool,
    brotli: OnceLock<Option<Bytes>>,
    gzip: OnceLock<Option<Bytes>>,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Assets {
    /// Reads every file under `dir` (which must hold `index.html`) and starts compressing
    /// them on a background thread. Without a usable `dir`, only the API is served.
    pub fn load(dir: Option<&Path>) -> Assets {
        let Some(dir) = dir else {
            return Assets { inner: None };
        };
        let mut by_path = HashMap::new();
        if let Err(e) = read_dir(dir, dir, &mut by_path) {
            tracing::error!(error = %e, dir = %dir.display(), "cannot read the app's files");
            return Assets { inner: None };
        }
        let Some(index) = by_path.get("/index.html").cloned() else {
            tracing::error!(dir = %dir.display(), "the app's directory has no index.html");
            return Assets { inner: None };
        };
        let staff_index = by_path.get(STAFF_INDEX).cloned();
        let mut kept: Vec<(&String, &Arc<Asset>)> = by_path
            .iter()
            .filter(|(p, _)| crate::http::sw::kept(p))
            .collect();
        kept.sort_by(|a, b| a.0.cmp(b.0));
        let version = format!(
            "{:016x}",
            fnv1a(
                kept.iter()
                    .map(|(p, a)| format!("{p}={};", a.tag))
                    .collect::<String>()
                    .as_bytes()
            )
        );
        let paths: Vec<String> = kept.iter().map(|(p, _)| (*p).clone()).collect();
        let worker = crate::http::sw::script(&version, &paths);
        let files = Arc::new(Files {
            by_path,
            index,
            staff_index,
            worker,
        });
        let background = files.clone();
        // A plain thread: compressing is CPU work that must not hold up request handling,
        // and `load` may run outside a Tokio runtime.
        let spawned = std::thread::Builder::new()
            .name("compress-assets".into())
            .spawn(move || background.compress_all());
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot compress the app's files; they are sent as they are");
        }
        Assets { inner: Some(files) }
    }

    /// The text of each app page (public and staff), for the CSP hashes of their inline
    /// scripts.
    pub fn index_pages(&self) -> Vec<&str> {
        let Some(files) = self.inner.as_ref() else {
            return Vec::new();
        };
        std::iter::once(&files.index)
            .chain(files.staff_index.as_ref())
            .filter_map(|page| std::str::from_utf8(&page.body).ok())
            .collect()
    }

    /// The text of the public app's `index.html`, if the app was built.
    pub fn index_page(&self) -> Option<&str> {
        let files = self.inner.as_ref()?;
        std::str::from_utf8(&files.index.body).ok()
    }

    /// The text of the file at URL path `path`, if there is one and it is UTF-8.
    pub fn text(&self, path: &str) -> Option<&str> {
        let files = self.inner.as_ref()?;
        std::str::from_utf8(&files.by_path.get(path)?.body).ok()
    }

    /// A tower service answering requests from these files.
    pub fn service(&self) -> AssetService {
        let assets = self.clone();
        BoxCloneSyncService::new(tower::service_fn(move |request: Request<Body>| {
            let response =
                assets.respond(request.method(), request.uri().path(), request.headers());
            async move { Ok::<_, Infallible>(response) }
        }))
    }

    fn respond(&self, method: &Method, path: &str, request: &HeaderMap) -> Response {
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
        if method != Method::GET && method != Method::HEAD {
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
        let asset = match percent_decode(path).and_then(|p| files.by_path.get(&p)) {
            Some(asset) => asset,
            // A missing file (the last part has an extension) is a 404: answering a script
            // or stylesheet request with the page would only hide the broken link.
            None if path
                .rsplit('/')
                .next()
                .is_some_and(|last| last.contains('.')) =>
            {
                return (
                    StatusCode::NOT_FOUND,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    "There is no such file. Check the address.\n",
                )
                    .into_response();
            }
            // A client-side route such as `/incidents/3`: the app decides what it shows.
            None => match &files.staff_index {
                Some(staff) if is_staff_route(path) => staff,
                _ => &files.index,
            },
        };
        asset.respond(method == Method::HEAD, request)
    }
}

impl Files {
    /// Smallest first, so the page itself and its stylesheet are ready almost at once.
    fn compress_all(&self) {
        let started = std::time::Instant::now();
        let mut assets: Vec<&Arc<Asset>> = self.by_path.values().collect();
        assets.sort_by_key(|a| a.body.len());
        for asset in assets {
            asset.compress();
        }
        tracing::debug!(elapsed = ?started.elapsed(), "compressed the app's files");
    }
}

impl Asset {
    fn new(path: &str, body: Vec<u8>) -> Asset {
        let name = path.rsplit('/').next().unwrap_or(path);
        let mime = mime_guess::from_path(name).first_or_octet_stream();
        let essence = mime.essence_str();
        let textual = mime.type_() == mime_guess::mime::TEXT
            || matches!(
                essence,
                "application/javascript" | "application/json" | "image/svg+xml"
            );
        let content_type = if textual {
            format!("{essence}; charset=utf-8")
        } else {
            essence.to_string()
        };
        let compressible = body.len() <= COMPRESS_UP_TO
            && (textual
                || matches!(
                    essence,
                    "application/wasm" | "application/xml" | "image/x-icon" | "font/ttf"
                ));
        Asset {
            tag: format!("{:016x}", fnv1a(&body)),
            body: Bytes::from(body),
            content_type: HeaderValue::from_str(&content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            cache_control: if is_hashed(name) {
                IMMUTABLE
            } else {
                REVALIDATE
            },
            compressible,
            brotli: OnceLock::new(),
            gzip: OnceLock::new(),
        }
    }

    fn compress(&self) {
        if !self.compressible {
            return;
        }
        // A compressed copy is kept only when it is smaller.
        let smaller = |out: Vec<u8>| (out.len() < self.body.len()).then(|| Bytes::from(out));
        self.gzip.get_or_init(|| {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            let out = encoder
                .write_all(&self.body)
                .and_then(|()| encoder.finish());
            out.ok().and_then(smaller)
        });
        self.brotli.get_or_init(|| {
            let params = brotli::enc::BrotliEncoderParams {
                quality: 11,
                lgwin: 22,
                ..Default::default()
            };
            let mut out = Vec::new();
            let done = brotli::BrotliCompress(&mut &self.body[..], &mut out, &params);
            done.ok().and_then(|_| smaller(out))
        });
    }

    /// The best encoding the reader accepts that is ready now.
    fn choose(&self, request: &HeaderMap) -> (Encoding, Bytes) {
        let ready = |slot: &OnceLock<Option<Bytes>>| slot.get().cloned().flatten();
        let accepted = accepted_encodings(request);
        if accepted.brotli
            && let Some(bytes) = ready(&self.brotli)
        {
            return (Encoding::Brotli, bytes);
        }
        if accepted.gzip
            && let Some(bytes) = ready(&self.gzip)
        {
            return (Encoding::Gzip, bytes);
        }
        (Encoding::Identity, self.body.clone())
    }

    fn respond(&self, head: bool, request: &HeaderMap) -> Response {
        let (encoding, body) = self.choose(request);
        let etag = match encoding {
            Encoding::Brotli => format!("\"{}-br\"", self.tag),
            Encoding::Gzip => format!("\"{}-gz\"", self.tag),
            Encoding::Identity => format!("\"{}\"", self.tag),
        };
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, self.content_type.clone());
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(self.cache_control),
        );
        if let Ok(etag) = HeaderValue::from_str(&etag) {
            headers.insert(header::ETAG, etag);
        }
        if self.compressible {
            // Caches must keep one copy per encoding.
            headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        }
        match encoding {
            Encoding::Brotli => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
            }
            Encoding::Gzip => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            Encoding::Identity => {}
        }
        let fresh = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| {
                tags.split(',')
                    .any(|t| t.trim() == "*" || t.trim().trim_start_matches("W/") == etag)
            });
        if fresh {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        let body = if head {
            Body::empty()
        } else {
            Body::from(body)
        };
        (headers, body).into_response()
    }
}

#[derive(Default, Debug, PartialEq)]
pub(crate) struct Accepted {
    pub brotli: bool,
    pub gzip: bool,
}

/// Which of brotli and gzip `Accept-Encoding` allows (`q=0` refuses one; `*` allows both).
pub(crate) fn accepted_encodings(request: &HeaderMap) -> Accepted {
    let mut accepted = Accepted::default();
    let mut star = None;
    let (mut brotli, mut gzip) = (None, None);
    for value in request.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let allowed = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .next_back()
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_none_or(|q| q > 0.0);
            match name.as_str() {
                "br" => brotli = Some(allowed),
                "gzip" | "x-gzip" => gzip = Some(allowed),
                "*" => star = Some(allowed),
                _ => {}
            }
        }
    }
    accepted.brotli = brotli.or(star).unwrap_or(false);
    accepted.gzip = gzip.or(star).unwrap_or(false);
    accepted
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

fn read_dir(root: &Path, dir: &Path, out: &mut HashMap<String, Arc<Asset>>) -> std::io::Result<()> {
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
            read_dir(root, &path, out)?;
        } else if kind.is_file() {
            let Ok(relative) = path.strip_prefix(root) else {
                continue;
            };
            let url = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .fold(String::new(), |url, part| url + "/" + &part);
            let body = std::fs::read(&path)?;
            out.insert(url.clone(), Arc::new(Asset::new(&url, body)));
        }
    }
    Ok(())
}

/// `%20` and the like in a request path, or `None` when the result is not UTF-8.
fn percent_decode(path: &str) -> Option<String> {
    if !path.contains('%') {
        return Some(path.to_string());
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// FNV-1a, 64 bit: a fast content hash for ETags (not for security).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests;
