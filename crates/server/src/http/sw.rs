//! `GET /sw.js`: the service worker, written at start-up from the app's files, so that a
//! reader who reloads while the status server cannot be reached still gets the app,
//! which then shows the last status it knew, with its age, and says that it cannot reach
//! the server.
//!
//! It keeps the public app's files in a cache named after this build (a hash of every
//! file's content): a new build is a new worker, which fills a new cache and deletes the
//! old ones, so an update replaces the old files. Pages come from the network first; only
//! when that fails is the app's bare page served, which holds no status of its own, so
//! nothing stale is ever shown as if it were fresh. Answers from the API are kept as they
//! arrive; served when the network fails, they are marked with when they were kept
//! (`X-TIS-Kept-At`), and the app shows them as last-known, never as current.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The worker's script for files at `paths` (URL paths) whose contents hash to `version`.
pub fn script(version: &str, paths: &[String]) -> String {
    let files = paths
        .iter()
        .map(|p| format!("{p:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    WORKER
        .replace("__VERSION__", version)
        .replace("__FILES__", &files)
}

/// The worker, answered with `no-cache` so browsers notice a new build at once.
pub fn respond(script: &str) -> Response {
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        script.to_string(),
    )
        .into_response()
}

/// Whether a file of the app belongs in the worker's cache: the public app's files; the
/// staff pages are for people at work on a network that reaches the server.
pub fn kept(path: &str) -> bool {
    !(path.starts_with("/manage/") || path.ends_with(".map"))
}

const WORKER: &str = r#"// TIS Status service worker (written by the server for this build).
"use strict";
const VERSION = "__VERSION__";
const FILES = [__FILES__];
const CACHE = "tis-status-files-" + VERSION;
const ANSWERS = "tis-status-answers";
const SHELL = "/index.html";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names
        .filter((n) => n.startsWith("tis-status-files-") && n !== CACHE)
        .map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

function staff(path) {
  return path === "/sign-in" || path === "/manage" || path.startsWith("/manage/");
}

async function page(request) {
  try {
    return await fetch(request);
  } catch (e) {
    const shell = await caches.match(SHELL, { cacheName: CACHE });
    if (shell) return shell;
    throw e;
  }
}

async function answer(request) {
  const cache = await caches.open(ANSWERS);
  try {
    const response = await fetch(request);
    const rules = response.headers.get("Cache-Control") || "";
    if (response.ok && !/private|no-store/.test(rules)) {
      const headers = new Headers(response.headers);
      headers.set("X-TIS-Kept-At", String(Date.now()));
      const body = await response.clone().arrayBuffer();
      await cache.put(request, new Response(body, { status: 200, headers }));
    }
    return response;
  } catch (e) {
    const kept = await cache.match(request, { ignoreVary: true });
    if (kept) return kept;
    throw e;
  }
}

async function file(request) {
  const hit = await caches.match(request, { cacheName: CACHE });
  return hit || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (!staff(url.pathname)) event.respondWith(page(request));
    return;
  }
  if (url.pathname.startsWith("/api/v1/")) {
    // The event stream never ends, and what staff pages read is not for keeping.
    const from = request.referrer ? new URL(request.referrer).pathname : "/";
    if (url.pathname === "/api/v1/events" || staff(from)) return;
    event.respondWith(answer(request));
    return;
  }
  if (FILES.includes(url.pathname)) event.respondWith(file(request));
});
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_names_its_build_and_lists_its_files() {
        let js = script("abc123", &["/index.html".into(), "/app-0123.js".into()]);
        assert!(js.contains("const VERSION = \"abc123\";"), "{js}");
        assert!(
            js.contains("const FILES = [\"/index.html\", \"/app-0123.js\"];"),
            "{js}"
        );
        assert!(kept("/app-0123_bg.wasm"));
        assert!(!kept("/manage/index.html"));
    }
}
