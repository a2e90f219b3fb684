//! The public pages' content as plain data ([`Node`]), built by the same functions for
//! the browser app, which draws it into the page (`src/dom.rs`), and for the server,
//! which writes it into the HTML of `/` so the status is there before any script runs.
//!
//! Why one set of builders rather than a template engine or Leptos SSR: the app's
//! content is not written as `view!` markup but built as [`Node`] data (see `src/dom.rs`
//! for why that keeps the Wasm small), so Leptos SSR would have nothing to render, and
//! templates for askama or minijinja would be a second copy of every element and class
//! that drifts from the first. With the builders here there is one source of markup: the
//! server's HTML is the app's content written out as text, byte for byte the same
//! elements, attributes and classes, so the app takes over without a visible jump.
//!
//! Text is always text: the browser sets it with `createTextNode`, and [`El::to_html`]
//! escapes it, so what support staff type can never become markup.

pub mod components;
pub mod frame;
pub mod incident;
pub mod overview;
pub mod route;
pub mod subscribe;
pub mod words;

/// A piece of content: an element or some text.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    El(El),
    Text(String),
}

/// An element with its attributes and children.
#[derive(Debug, Clone, PartialEq)]
pub struct El {
    tag: &'static str,
    svg: bool,
    attrs: Vec<(&'static str, String)>,
    children: Vec<Node>,
}

/// An HTML element.
#[inline(never)]
pub fn h(tag: &'static str) -> El {
    El {
        tag,
        svg: false,
        attrs: Vec::new(),
        children: Vec::new(),
    }
}

/// An SVG element.
#[inline(never)]
pub fn svg(tag: &'static str) -> El {
    El {
        svg: true,
        ..h(tag)
    }
}

/// Some text.
#[inline(never)]
pub fn text(text: impl Into<String>) -> Node {
    Node::Text(text.into())
}

impl El {
    /// Sets an attribute.
    #[inline(never)]
    pub fn a(mut self, name: &'static str, value: impl Into<String>) -> El {
        self.attrs.push((name, value.into()));
        self
    }

    /// Sets the class.
    #[inline(never)]
    pub fn class(self, value: impl Into<String>) -> El {
        self.a("class", value)
    }

    /// Adds a child.
    #[inline(never)]
    pub fn c(mut self, child: impl Into<Node>) -> El {
        self.children.push(child.into());
        self
    }

    /// Adds a child if there is one.
    pub fn opt(self, child: Option<impl Into<Node>>) -> El {
        match child {
            Some(child) => self.c(child),
            None => self,
        }
    }

    /// Adds children.
    pub fn cs<N: Into<Node>>(mut self, children: impl IntoIterator<Item = N>) -> El {
        self.children.extend(children.into_iter().map(Into::into));
        self
    }

    /// Adds text.
    #[inline(never)]
    pub fn t(self, text: impl Into<String>) -> El {
        self.c(Node::Text(text.into()))
    }

    /// The element's name, e.g. `li`.
    pub fn tag(&self) -> &'static str {
        self.tag
    }

    /// Whether it is an SVG element (made in the SVG namespace).
    pub fn is_svg(&self) -> bool {
        self.svg
    }

    /// Its attributes, in the order they were set.
    pub fn attrs(&self) -> &[(&'static str, String)] {
        &self.attrs
    }

    /// Its children.
    pub fn children(&self) -> &[Node] {
        &self.children
    }
}

impl From<El> for Node {
    fn from(el: El) -> Node {
        Node::El(el)
    }
}

impl From<String> for Node {
    fn from(text: String) -> Node {
        Node::Text(text)
    }
}

impl From<&str> for Node {
    fn from(text: &str) -> Node {
        Node::Text(text.to_string())
    }
}

/// Elements that have no end tag in HTML.
#[cfg(feature = "html")]
const VOID: [&str; 8] = ["br", "hr", "img", "input", "link", "meta", "source", "wbr"];

#[cfg(feature = "html")]
impl Node {
    /// Writes the node as HTML text onto `out`.
    pub fn write_html(&self, out: &mut String) {
        match self {
            Node::Text(text) => {
                html_escape::encode_text_to_string(text, out);
            }
            Node::El(el) => el.write_html(out),
        }
    }
}

#[cfg(feature = "html")]
impl El {
    /// The element as HTML text, as a browser parsing it would build it again.
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        self.write_html(&mut out);
        out
    }

    /// Writes the element as HTML text onto `out`.
    pub fn write_html(&self, out: &mut String) {
        out.push('<');
        out.push_str(self.tag);
        for (name, value) in &self.attrs {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            html_escape::encode_double_quoted_attribute_to_string(value, out);
            out.push('"');
        }
        out.push('>');
        if !self.svg && VOID.contains(&self.tag) {
            return;
        }
        for child in &self.children {
            child.write_html(out);
        }
        out.push_str("</");
        out.push_str(self.tag);
        out.push('>');
    }
}

/// Nodes as HTML text, one after another.
#[cfg(feature = "html")]
pub fn to_html(nodes: &[Node]) -> String {
    let mut out = String::new();
    for node in nodes {
        node.write_html(&mut out);
    }
    out
}

#[cfg(all(test, feature = "html"))]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped_so_typed_words_never_become_markup() {
        let el = h("p")
            .class("a\"b")
            .t("<script>alert(1)</script> & more")
            .c(h("input").a("checked", ""));
        assert_eq!(
            el.to_html(),
            "<p class=\"a&quot;b\">&lt;script&gt;alert(1)&lt;/script&gt; &amp; more<input checked=\"\"></p>"
        );
    }

    #[test]
    fn svg_elements_are_closed() {
        let el = svg("svg").c(svg("rect").a("x", "1"));
        assert_eq!(el.to_html(), "<svg><rect x=\"1\"></rect></svg>");
    }
}
