//! Page content as plain data ([`Node`], built in `tis_markup`), drawn into the page and
//! updated in place. The rules of this module:
//!
//! 1. **Content is data.** Public pages build [`Node`]s with `tis_markup`, the same
//!    builders the server writes the first view's HTML with, so the app's copy matches the
//!    server's element for element. Leptos runs the app around it: routing, data, live
//!    updates, and the holders ([`Content`]) that redraw a block when its signals change.
//! 2. **Controls in content have no code of their own.** A control drawn as content
//!    (a radio, a button, a form) names what it does in `data-action`; one listener for
//!    the whole page acts on it (`crate::actions`).
//! 3. **Children are matched by key, then by place.** An element with one of the
//!    [`KEYS`] attributes (`data-service="sign-in"`, `data-incident="3"` …) is matched
//!    with the old element of the same key wherever it was, and moved only if its place
//!    changed; children without a key are matched in order among the unkeyed. So when a
//!    list grows, each card keeps its own element, with its focus and opened panels.
//! 4. **The reader's state stays.** Attributes the reader changes ([`READER_STATE`]:
//!    an opened "show as a table" panel) are left as the reader left them.
//! 5. **Text is always text** (`createTextNode`), never parsed as HTML, so what support
//!    staff type can never become markup.
//!
//! Why not `view!` for content: measured in December 2026 (README, "How the public pages
//! are drawn"), the overview written with `view!` and `erase_components` came to about
//! 26 KB more brotli Wasm than with these builders, and the server could not write its
//! HTML from the same source.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

pub use tis_markup::{El, Node, h, svg, text};

const SVG_NS: &str = "http://www.w3.org/2000/svg";
const TEXT_NODE: u16 = 3;

/// Attributes the reader changes (an opened "show as a table" panel), which an update
/// must leave as the reader left them.
const READER_STATE: [&str; 1] = ["open"];

/// Attributes that name what an element shows, so it is matched by them (rule 3): the
/// first of these an element has is its key.
pub const KEYS: [&str; 4] = ["data-service", "data-incident", "data-notice", "id"];

fn key_of(node: &Node) -> Option<String> {
    let Node::El(el) = node else {
        return None;
    };
    KEYS.iter()
        .find_map(|k| el.attrs().iter().find(|(n, _)| n == k))
        .map(|(n, v)| format!("{n}={v}"))
}

fn key_in_page(existing: &web_sys::Node) -> Option<String> {
    let element = existing.dyn_ref::<web_sys::Element>()?;
    KEYS.iter()
        .find_map(|k| element.get_attribute(k).map(|v| format!("{k}={v}")))
}

/// Makes the children of `parent` match `nodes`, changing only what differs (see the
/// rules above), so that focus, scroll position and opened panels survive an update.
pub fn patch(parent: &web_sys::Node, nodes: &[Node]) {
    let old = parent.child_nodes();
    // Lists here are short (a few dozen children at most), so a plain list searched in
    // order costs less Wasm than a hash map and is as fast.
    let mut keyed: Vec<(String, web_sys::Node)> = Vec::new();
    let mut unkeyed: Vec<web_sys::Node> = Vec::new();
    for i in 0..old.length() {
        let Some(child) = old.item(i) else { continue };
        match key_in_page(&child) {
            Some(key) => keyed.push((key, child)),
            None => unkeyed.push(child),
        }
    }
    unkeyed.reverse();
    for (i, node) in nodes.iter().enumerate() {
        let matched = match key_of(node) {
            Some(key) => keyed
                .iter()
                .position(|(k, _)| *k == key)
                .map(|at| keyed.swap_remove(at).1),
            None => unkeyed.pop(),
        };
        let reused = matched.filter(|m| same_kind(m, node));
        let child = match &reused {
            Some(m) => m.clone(),
            None => create(node),
        };
        let here = parent.child_nodes().item(i as u32);
        if here.as_ref() != Some(&child) {
            let _ = parent.insert_before(&child, here.as_ref());
        }
        if reused.is_some() {
            update(&child, node);
        }
    }
    // What is left over, or beyond the new end, is no longer shown.
    while parent.child_nodes().length() as usize > nodes.len() {
        match parent.last_child() {
            Some(last) => {
                let _ = parent.remove_child(&last);
            }
            None => break,
        }
    }
}

fn same_kind(existing: &web_sys::Node, node: &Node) -> bool {
    match node {
        Node::Text(_) => existing.node_type() == TEXT_NODE,
        Node::El(el) => existing
            .dyn_ref::<web_sys::Element>()
            .is_some_and(|e| e.local_name() == el.tag()),
    }
}

fn update(existing: &web_sys::Node, node: &Node) {
    match node {
        Node::Text(text) => {
            if existing.node_value().as_deref() != Some(text.as_str()) {
                existing.set_node_value(Some(text));
            }
        }
        Node::El(el) => {
            let Some(element) = existing.dyn_ref::<web_sys::Element>() else {
                return;
            };
            for (name, value) in el.attrs() {
                if element.get_attribute(name).as_deref() != Some(value.as_str()) {
                    let _ = element.set_attribute(name, value);
                }
            }
            let names = element.get_attribute_names();
            for name in names.iter().filter_map(|n| n.as_string()) {
                let wanted = el.attrs().iter().any(|(n, _)| *n == name);
                if !wanted && !READER_STATE.contains(&name.as_str()) {
                    let _ = element.remove_attribute(&name);
                }
            }
            patch(existing, el.children());
        }
    }
}

fn create(node: &Node) -> web_sys::Node {
    let doc = document();
    match node {
        Node::Text(text) => doc.create_text_node(text).into(),
        Node::El(el) => {
            let made = if el.is_svg() {
                doc.create_element_ns(Some(SVG_NS), el.tag())
            } else {
                doc.create_element(el.tag())
            };
            let Ok(element) = made else {
                return doc.create_text_node("").into();
            };
            for (name, value) in el.attrs() {
                let _ = element.set_attribute(name, value);
            }
            for child in el.children() {
                let _ = element.append_child(&create(child));
            }
            element.into()
        }
    }
}

/// Holds content built by `of`, and brings it up to date in place whenever the signals
/// `of` reads change.
#[component]
pub fn Content(
    /// Builds the content; it is run again when anything it reads changes.
    of: impl Fn() -> Vec<Node> + 'static,
    /// The class of the holding element.
    #[prop(optional)]
    class: &'static str,
    /// The role of the holding element, for a live region.
    #[prop(optional)]
    role: &'static str,
) -> impl IntoView {
    holder(Box::new(of), class, role)
}

/// The body of [`Content`], written once for every kind of builder.
fn holder(
    of: Box<dyn Fn() -> Vec<Node>>,
    class: &'static str,
    role: &'static str,
) -> impl IntoView {
    let host = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        let nodes = of();
        if let Some(host) = host.get() {
            patch(&host, &nodes);
        }
    });
    let role = (!role.is_empty()).then_some(role);
    view! { <div class=class role=role node_ref=host></div> }
}
