//! Page content as plain data ([`Node`], built in `tis_markup`), drawn into the page and
//! updated in place.
//!
//! Why not `view!` everywhere: each `view!` is compiled into its own specialised code,
//! and on these pages (tables of 90 days, timelines, charts) that came to about 70 KB
//! of Wasm for the overview's charts alone. One small routine that draws any [`Node`]
//! costs a few kilobytes for every page together, and the app must load fast on a slow
//! hospital network. Leptos still runs the app: routing, data, live updates and every
//! control a reader interacts with are Leptos views; [`Content`] holds the rest.
//!
//! Text is always set as text (`createTextNode`), never parsed as HTML, so what support
//! staff type can never become markup.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

pub use tis_markup::{El, Node, h, svg, text};

const SVG_NS: &str = "http://www.w3.org/2000/svg";
const TEXT_NODE: u16 = 3;

/// Attributes the reader changes (an opened "show as a table" panel), which an update
/// must leave as the reader left them.
const READER_STATE: [&str; 1] = ["open"];

/// Makes the children of `parent` match `nodes`, changing only what differs, so that
/// focus, scroll position and opened panels survive an update.
pub fn patch(parent: &web_sys::Node, nodes: &[Node]) {
    let old = parent.child_nodes();
    for (i, node) in nodes.iter().enumerate() {
        match old.item(i as u32) {
            Some(existing) if same_kind(&existing, node) => update(&existing, node),
            Some(existing) => {
                let _ = parent.replace_child(&create(node), &existing);
            }
            None => {
                let _ = parent.append_child(&create(node));
            }
        }
    }
    while old.length() as usize > nodes.len() {
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
