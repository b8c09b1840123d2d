//! A JSON document as one flat list of nodes over one text buffer: what the core parses an
//! event into, redacts in place and encodes from, without a tree of owned strings and maps.
//!
//! ```text
//!  text:  {"id":"a1","payload":{"email":"x@y.z"}}  [REDACTED]          ← input copy, then arena
//!  nodes: 0 object ─ 1 "id" → "a1"                                    ← pre-order, each node
//!                  └ 2 "payload" → object ─ 3 "email" → string           knows where its
//!                                                   (now: [REDACTED])     subtree ends
//! ```
//!
//! - **One buffer.** [`Doc::text`] starts with a copy of the input; strings that had escapes,
//!   and values redaction writes, are appended after it (the arena). A node's key and value
//!   are spans of that buffer, so reading a string is slicing, and parsing an event allocates
//!   nothing once the buffers have grown to the size of the events seen.
//! - **Pre-order, with subtree ends.** A container's children follow it; every node records
//!   the index after its last descendant, so a walk skips a subtree in one step. Object members
//!   carry their key.
//! - **Edited in place.** Redaction replaces a value by a string ([`Doc::set_str`]: the old
//!   subtree stays in the list but is no longer reachable), nulls it, or removes it
//!   ([`Doc::remove`]: a flag that every reader skips).
//! - **Numbers stay as written.** A number node keeps its literal; [`Doc::number`] reads it
//!   as `serde_json` would (`i64`, `u64` or `f64`), so conversions are exact.
//!
//! Built by the strict parser ([`Doc::parse`]: duplicate keys, depth, control characters and
//! bad escapes are errors, as in `serde_json` with duplicate detection), from a
//! `serde_json::Value` ([`Doc::push_value`]), or node by node ([`Doc::begin_object`],
//! [`Doc::push_str`], ...). Read back as a `Value` ([`Doc::to_value`]) or JSON text
//! ([`Doc::write_json`]); the OTLP encoder writes protobuf straight from it
//! ([`crate::otel::encode`]).

mod parse;
pub(crate) mod strict;
#[cfg(test)]
mod tests;
mod value;

use std::fmt;

pub use parse::MAX_DEPTH;

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number (its literal is kept).
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

/// A number as `serde_json` reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer within `i64`.
    I64(i64),
    /// An integer above `i64::MAX` within `u64`.
    U64(u64),
    /// Anything else.
    F64(f64),
}

/// A span of [`Doc::text`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

/// The node was removed: readers skip it and its subtree.
const REMOVED: u8 = 1;
/// A `Bool` node that is `true`.
const TRUE: u8 = 2;

#[derive(Debug, Clone, Copy)]
struct Node {
    kind: Kind,
    flags: u8,
    /// The member's key (empty for array elements and the root).
    key: Span,
    /// A string's text or a number's literal.
    val: Span,
    /// The index after the last node of this subtree.
    end: u32,
}

/// A JSON document; see the module documentation.
#[derive(Clone, Default)]
pub struct Doc {
    text: String,
    nodes: Vec<Node>,
    /// Containers opened and not yet closed (the builder's and the parser's).
    open: Vec<u32>,
    /// The parser's scratch: keys of the objects being read.
    keys: Vec<Span>,
}

/// Why an input is not JSON (`serde_json`'s words, which never quote the input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason} at line {line} column {column}")]
pub struct JsonError {
    /// What is wrong.
    pub reason: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl fmt::Debug for Doc {
    /// The shape only: a document holds personal data until it is redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Doc")
            .field("nodes", &self.nodes.len())
            .field("text_bytes", &self.text.len())
            .finish_non_exhaustive()
    }
}

/// The largest document, in bytes of text, a [`Doc`] holds (spans are 32-bit).
pub const MAX_TEXT_BYTES: usize = u32::MAX as usize / 2;

impl Doc {
    /// An empty document.
    pub fn new() -> Doc {
        Doc::default()
    }

    /// Parses one JSON document into this one (emptied first): strict JSON, as the module
    /// documentation says. The error is `serde_json`'s, with its line and column.
    pub fn parse(&mut self, input: &[u8]) -> Result<(), JsonError> {
        self.clear();
        if input.len() > MAX_TEXT_BYTES {
            return Err(JsonError {
                reason: format!("document over {MAX_TEXT_BYTES} bytes"),
                line: 1,
                column: 1,
            });
        }
        if let Ok(text) = std::str::from_utf8(input) {
            if parse::parse_into(self, text).is_ok() {
                return Ok(());
            }
        }
        // The fast parser refused it: the reference reader says why. (Should the two ever
        // disagree, the reference reader's reading is taken.)
        let value = strict::from_slice(input)?;
        self.clear();
        self.push_value(None, &value);
        Ok(())
    }

    /// A document holding `value`.
    pub fn from_value(value: &serde_json::Value) -> Doc {
        let mut d = Doc::new();
        d.push_value(None, value);
        d
    }

    /// Empties the document, keeping its buffers.
    pub fn clear(&mut self) {
        self.text.clear();
        self.nodes.clear();
        self.open.clear();
    }

    /// Number of nodes (removed ones and unreachable ones included).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the document has no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The root node (the first one), if any.
    pub fn root(&self) -> Option<usize> {
        (!self.nodes.is_empty()).then_some(0)
    }

    /// What node `n` is.
    pub fn kind(&self, n: usize) -> Kind {
        self.nodes[n].kind
    }

    /// The key of member `n` (`""` for array elements and the root).
    pub fn key(&self, n: usize) -> &str {
        &self.text[self.nodes[n].key.range()]
    }

    /// A string node's text.
    pub fn as_str(&self, n: usize) -> Option<&str> {
        let node = &self.nodes[n];
        (node.kind == Kind::String).then(|| &self.text[node.val.range()])
    }

    /// A bool node's value.
    pub fn as_bool(&self, n: usize) -> Option<bool> {
        let node = &self.nodes[n];
        (node.kind == Kind::Bool).then_some(node.flags & TRUE != 0)
    }

    /// A number node's literal, as written.
    pub fn literal(&self, n: usize) -> Option<&str> {
        let node = &self.nodes[n];
        (node.kind == Kind::Number).then(|| &self.text[node.val.range()])
    }

    /// A number node's value, as `serde_json` reads the literal.
    pub fn number(&self, n: usize) -> Option<Number> {
        self.literal(n).map(read_number)
    }

    /// A number node as `i64`, when it is an integer within range.
    pub fn as_i64(&self, n: usize) -> Option<i64> {
        match self.number(n)? {
            Number::I64(i) => Some(i),
            _ => None,
        }
    }

    /// Whether `n` is `null` or `""` (values the mapping leaves out).
    pub fn is_blank(&self, n: usize) -> bool {
        match self.nodes[n].kind {
            Kind::Null => true,
            Kind::String => self.nodes[n].val.len == 0,
            _ => false,
        }
    }

    /// Whether `n` was removed.
    pub fn is_removed(&self, n: usize) -> bool {
        self.nodes[n].flags & REMOVED != 0
    }

    /// The index after the last node of `n`'s subtree.
    pub fn end(&self, n: usize) -> usize {
        self.nodes[n].end as usize
    }

    /// The children of a container (members of an object, elements of an array), removed ones
    /// left out; nothing for other nodes.
    pub fn children(&self, n: usize) -> Children<'_> {
        let node = &self.nodes[n];
        let (next, end) = if matches!(node.kind, Kind::Object | Kind::Array) {
            (n + 1, node.end as usize)
        } else {
            (0, 0)
        };
        Children {
            doc: self,
            next,
            end,
        }
    }

    /// The number of children of a container (removed ones left out).
    pub fn count(&self, n: usize) -> usize {
        self.children(n).count()
    }

    /// The first member of object `n` with key `key`.
    pub fn get(&self, n: usize, key: &str) -> Option<usize> {
        if self.nodes[n].kind != Kind::Object {
            return None;
        }
        self.children(n).find(|&c| self.key(c) == key)
    }

    /// `get` then `as_str`.
    pub fn get_str(&self, n: usize, key: &str) -> Option<&str> {
        self.get(n, key).and_then(|c| self.as_str(c))
    }

    /// The whole text buffer (input copy and arena).
    pub fn text(&self) -> &str {
        &self.text
    }

    // === editing ===

    /// Makes `n` the string `s` (a container's old subtree becomes unreachable).
    pub fn set_str(&mut self, n: usize, s: &str) {
        let val = self.arena(s);
        let node = &mut self.nodes[n];
        node.kind = Kind::String;
        node.val = val;
    }

    /// Makes `n` `null`.
    pub fn set_null(&mut self, n: usize) {
        let node = &mut self.nodes[n];
        node.kind = Kind::Null;
        node.val = Span::default();
    }

    /// Removes `n` (and its subtree) from its parent.
    pub fn remove(&mut self, n: usize) {
        self.nodes[n].flags |= REMOVED;
    }

    fn arena(&mut self, s: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(s);
        Span {
            start: start as u32,
            len: s.len() as u32,
        }
    }

    // === building ===

    fn push_node(&mut self, key: Option<&str>, kind: Kind, flags: u8, val: Span) -> usize {
        let key = match key {
            Some(k) => self.arena(k),
            None => Span::default(),
        };
        let n = self.nodes.len();
        self.nodes.push(Node {
            kind,
            flags,
            key,
            val,
            end: n as u32 + 1,
        });
        n
    }

    /// Opens an object (a member `key` of the open object, or an element or the root when
    /// `None`); close it with [`Doc::end_container`].
    pub fn begin_object(&mut self, key: Option<&str>) -> usize {
        let n = self.push_node(key, Kind::Object, 0, Span::default());
        self.open.push(n as u32);
        n
    }

    /// Opens an array; close it with [`Doc::end_container`].
    pub fn begin_array(&mut self, key: Option<&str>) -> usize {
        let n = self.push_node(key, Kind::Array, 0, Span::default());
        self.open.push(n as u32);
        n
    }

    /// Closes the container opened last.
    pub fn end_container(&mut self) {
        if let Some(n) = self.open.pop() {
            let end = self.nodes.len() as u32;
            self.nodes[n as usize].end = end;
        }
    }

    /// Appends a string.
    pub fn push_str(&mut self, key: Option<&str>, s: &str) -> usize {
        let val = self.arena(s);
        self.push_node(key, Kind::String, 0, val)
    }

    /// Appends a number from its JSON literal (which must be valid JSON number syntax).
    pub fn push_literal(&mut self, key: Option<&str>, literal: &str) -> usize {
        let val = self.arena(literal);
        self.push_node(key, Kind::Number, 0, val)
    }

    /// Appends an integer.
    pub fn push_i64(&mut self, key: Option<&str>, v: i64) -> usize {
        self.push_literal(key, itoa::Buffer::new().format(v))
    }

    /// Appends an unsigned integer.
    pub fn push_u64(&mut self, key: Option<&str>, v: u64) -> usize {
        self.push_literal(key, itoa::Buffer::new().format(v))
    }

    /// Appends a float (`null` when it is not finite, as `serde_json` does).
    pub fn push_f64(&mut self, key: Option<&str>, v: f64) -> usize {
        match serde_json::Number::from_f64(v) {
            Some(n) => self.push_literal(key, &n.to_string()),
            None => self.push_null(key),
        }
    }

    /// Appends a bool.
    pub fn push_bool(&mut self, key: Option<&str>, v: bool) -> usize {
        self.push_node(key, Kind::Bool, if v { TRUE } else { 0 }, Span::default())
    }

    /// Appends `null`.
    pub fn push_null(&mut self, key: Option<&str>) -> usize {
        self.push_node(key, Kind::Null, 0, Span::default())
    }

    /// Appends a copy of node `n` of `other` (its subtree, removed parts left out) under `key`.
    pub fn push_copy(&mut self, key: Option<&str>, other: &Doc, n: usize) -> usize {
        match other.kind(n) {
            Kind::Null => self.push_null(key),
            Kind::Bool => self.push_bool(key, other.as_bool(n).unwrap_or(false)),
            Kind::Number => self.push_literal(key, other.literal(n).unwrap_or("0")),
            Kind::String => self.push_str(key, other.as_str(n).unwrap_or("")),
            Kind::Array | Kind::Object => {
                let at = if other.kind(n) == Kind::Array {
                    self.begin_array(key)
                } else {
                    self.begin_object(key)
                };
                let object = other.kind(n) == Kind::Object;
                for c in other.children(n) {
                    self.push_copy(object.then(|| other.key(c)), other, c);
                }
                self.end_container();
                at
            }
        }
    }
}

/// The children of a container; see [`Doc::children`].
#[derive(Debug, Clone)]
pub struct Children<'d> {
    doc: &'d Doc,
    next: usize,
    end: usize,
}

impl Iterator for Children<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.next < self.end {
            let n = self.next;
            self.next = self.doc.nodes[n].end as usize;
            if self.doc.nodes[n].flags & REMOVED == 0 {
                return Some(n);
            }
        }
        None
    }
}

/// Reads a number literal as `serde_json` does: integers within `i64` as `I64`, larger ones
/// within `u64` as `U64`, everything else (fractions, exponents, `-0`, integers beyond `u64`)
/// as `F64`, correctly rounded (as `serde_json` with `float_roundtrip` reads it, so that a float
/// written by [`Doc::push_f64`] reads back bit for bit).
pub fn read_number(lit: &str) -> Number {
    let b = lit.as_bytes();
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        let mut v: u64 = 0;
        let mut fits = true;
        for &d in digits {
            match v
                .checked_mul(10)
                .and_then(|x| x.checked_add(u64::from(d - b'0')))
            {
                Some(x) => v = x,
                None => {
                    fits = false;
                    break;
                }
            }
        }
        if fits {
            match (neg, v) {
                (false, v) if v <= i64::MAX as u64 => return Number::I64(v as i64),
                (false, v) => return Number::U64(v),
                // `-0` is a float to serde_json; so is anything below `i64::MIN`.
                (true, v) if v != 0 && v <= 1 << 63 => {
                    return Number::I64((v as i64).wrapping_neg())
                }
                (true, _) => {}
            }
        }
    }
    Number::F64(lit.parse::<f64>().unwrap_or(f64::NAN))
}
