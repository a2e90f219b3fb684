//! Security headers on every response — API answers, the app's files, errors and
//! fallbacks alike — so no path is left without them.

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};
use tower::util::MapResponseLayer;

/// The policy without the inline script hashes. `'wasm-unsafe-eval'` lets the page compile
/// WebAssembly without allowing JavaScript `eval`; everything else comes from this server.
const CSP_DIRECTIVES: [&str; 9] = [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
];

/// The headers every response gets. `inline_scripts` are the CSP source expressions
/// (`'sha256-…'`) of the inline scripts `index.html` needs; see [`inline_script_hashes`].
pub fn security_headers(inline_scripts: &[String], inline_styles: &[String]) -> HeaderMap {
    let csp = CSP_DIRECTIVES
        .iter()
        .map(|d| {
            if d.starts_with("script-src ") && !inline_scripts.is_empty() {
                format!("{d} {}", inline_scripts.join(" "))
            } else if d.starts_with("style-src ") && !inline_styles.is_empty() {
                format!("{d} {}", inline_styles.join(" "))
            } else {
                (*d).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut headers = HeaderMap::new();
    // The hashes are base64 and the rest is ASCII, so this cannot fail; if it somehow did,
    // the page would rather lose its inline loader than go out without a policy.
    let csp = HeaderValue::from_str(&csp)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    // Older browsers ignore `frame-ancestors`; this says the same to them.
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    // The page uses none of these powerful features, so none of them may be switched on.
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    );
    headers
}

/// A layer adding [`security_headers`] to every response. A header the handler already
/// set is kept, so a route that needs a different policy can say so on its own.
pub fn layer(
    inline_scripts: &[String],
    inline_styles: &[String],
) -> MapResponseLayer<impl Fn(Response) -> Response + Clone + Send + Sync + 'static> {
    let headers = std::sync::Arc::new(security_headers(inline_scripts, inline_styles));
    MapResponseLayer::new(move |mut response: Response| {
        let out = response.headers_mut();
        for (name, value) in headers.iter() {
            if !out.contains_key(name) {
                out.insert(name.clone(), value.clone());
            }
        }
        response
    })
}

/// The CSP source expressions (`'sha256-<base64>'`) of the inline `<script>` elements of
/// an HTML page. Trunk writes the app's loader as an inline module script; hashing it lets
/// exactly that script run while every other inline script stays blocked.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = find_ignore_case(rest, "<script") {
        let tag_and_after = &rest[start..];
        let Some(tag_end) = tag_and_after.find('>') else {
            break;
        };
        let tag = &tag_and_after[..tag_end];
        let after = &tag_and_after[tag_end + 1..];
        let Some(close) = find_ignore_case(after, "</script") else {
            break;
        };
        // A script with `src` is loaded from this server, which 'self' already allows.
        if !has_attribute(tag, "src") {
            // Browsers hash the element's text exactly as written, whitespace included.
            hashes.push(hash_source(&after[..close]));
        }
        rest = &after[close..];
    }
    hashes
}

/// The CSP source expression (`'sha256-<base64>'`) allowing an inline element whose text
/// is exactly `text`.
pub fn hash_source(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Whether the attribute list of an opening tag (`<script type="module" src=…`) has `name`.
fn has_attribute(tag: &str, name: &str) -> bool {
    tag.split(|c: char| c.is_ascii_whitespace())
        .skip(1)
        .any(|part| {
            let key = part.split('=').next().unwrap_or("");
            key.eq_ignore_ascii_case(name)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inline_loader_is_hashed_and_scripts_with_src_are_not() {
        let html = "<head><script src=\"/a.js\"></script>\n<SCRIPT type=\"module\">\nimport init from '/app.js';\n</SCRIPT></head>";
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1, "{hashes:?}");
        // sha256 of "\nimport init from '/app.js';\n", as a browser computes it.
        let expected = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"\nimport init from '/app.js';\n"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
    }

    #[test]
    fn the_policy_allows_wasm_and_the_hashed_loader_but_no_other_inline_script() {
        let headers = security_headers(&["'sha256-abc='".to_string()], &[]);
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-abc='"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    }

    #[test]
    fn a_page_without_inline_scripts_needs_no_hashes() {
        assert!(inline_script_hashes("<p>no scripts</p><script src=x></script>").is_empty());
        let headers = security_headers(&[], &[]);
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.starts_with("default-src 'self'; script-src 'self' 'wasm-unsafe-eval';"));
    }
}
