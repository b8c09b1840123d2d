//! The strict parser behind [`Doc::parse`]: one pass over the input, no recursion, no
//! allocation once the document's buffers have grown.
//!
//! It accepts exactly what the reference reader ([`super::strict`]) accepts: RFC 8259 JSON with
//! no duplicate keys in an object, at most [`MAX_DEPTH`] nested containers, strings without
//! raw control characters or lone surrogate escapes, and numbers `serde_json` can represent.
//! It only says *whether* an input is valid; the reference reader says why not.
//!
//! Strings are found eight bytes at a time (a word compare for `"`, `\` and control
//! characters); a string without escapes is a span of the input copy, one with escapes is
//! decoded into the document's arena.

use super::{read_number, Doc, Kind, Node, Number, Span, TRUE};

/// The deepest nesting of containers accepted: `serde_json`'s recursion limit of 128 levels
/// counts the root container too, so 127 containers fit inside it.
pub const MAX_DEPTH: usize = 127;

/// The input is not valid (strict) JSON.
#[derive(Debug)]
pub(super) struct Invalid;

type Result<T> = std::result::Result<T, Invalid>;

/// Parses `input` into `doc`, which must be empty.
pub(super) fn parse_into(doc: &mut Doc, input: &str) -> Result<()> {
    debug_assert!(doc.nodes.is_empty() && doc.text.is_empty());
    doc.text.push_str(input);
    let mut keys = std::mem::take(&mut doc.keys);
    keys.clear();
    let mut p = Parser {
        s: input,
        b: input.as_bytes(),
        i: 0,
        doc,
        keys: &mut keys,
    };
    let result = p.run();
    doc.keys = keys;
    result
}

struct Parser<'a, 'd> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    doc: &'d mut Doc,
    /// The keys of the objects being read, innermost last; an open object's node keeps where
    /// its keys start in `val.start` until it closes.
    keys: &'d mut Vec<Span>,
}

impl Parser<'_, '_> {
    fn run(&mut self) -> Result<()> {
        self.ws();
        self.value(Span::default())?;
        while let Some(&top) = self.doc.open.last() {
            self.ws();
            let object = self.doc.nodes[top as usize].kind == Kind::Object;
            match (self.peek()?, object) {
                (b',', _) => {
                    self.i += 1;
                    self.ws();
                    let key = if object { self.key()? } else { Span::default() };
                    self.value(key)?;
                }
                (b'}', true) | (b']', false) => {
                    self.i += 1;
                    self.close()?;
                }
                _ => return Err(Invalid),
            }
        }
        self.ws();
        if self.i == self.b.len() {
            Ok(())
        } else {
            Err(Invalid)
        }
    }

    #[inline]
    fn peek(&self) -> Result<u8> {
        self.b.get(self.i).copied().ok_or(Invalid)
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn push(&mut self, key: Span, kind: Kind, flags: u8, val: Span) -> usize {
        let n = self.doc.nodes.len();
        self.doc.nodes.push(Node {
            kind,
            flags,
            key,
            val,
            end: n as u32 + 1,
        });
        n
    }

    /// Reads one value (a whole scalar, or a container's opening and its first member: the
    /// loop in `run` reads the rest).
    fn value(&mut self, mut key: Span) -> Result<()> {
        loop {
            match self.peek()? {
                c @ (b'{' | b'[') => {
                    self.i += 1;
                    if self.doc.open.len() >= MAX_DEPTH {
                        return Err(Invalid);
                    }
                    let object = c == b'{';
                    let kind = if object { Kind::Object } else { Kind::Array };
                    let keys_start = Span {
                        start: self.keys.len() as u32,
                        len: 0,
                    };
                    let n = self.push(key, kind, 0, keys_start);
                    self.doc.open.push(n as u32);
                    self.ws();
                    match (self.peek()?, object) {
                        (b'}', true) | (b']', false) => {
                            self.i += 1;
                            return self.close();
                        }
                        (_, true) => key = self.key()?,
                        (_, false) => key = Span::default(),
                    }
                }
                b'"' => {
                    let val = self.string()?;
                    self.push(key, Kind::String, 0, val);
                    return Ok(());
                }
                b't' => return self.literal(key, b"true", Kind::Bool, TRUE),
                b'f' => return self.literal(key, b"false", Kind::Bool, 0),
                b'n' => return self.literal(key, b"null", Kind::Null, 0),
                b'-' | b'0'..=b'9' => {
                    let val = self.number()?;
                    self.push(key, Kind::Number, 0, val);
                    return Ok(());
                }
                _ => return Err(Invalid),
            }
        }
    }

    fn literal(&mut self, key: Span, word: &[u8], kind: Kind, flags: u8) -> Result<()> {
        if self.b.get(self.i..self.i + word.len()) != Some(word) {
            return Err(Invalid);
        }
        self.i += word.len();
        self.push(key, kind, flags, Span::default());
        Ok(())
    }

    /// Reads a member's key and the `:` after it.
    fn key(&mut self) -> Result<Span> {
        if self.peek()? != b'"' {
            return Err(Invalid);
        }
        let key = self.string()?;
        self.keys.push(key);
        self.ws();
        if self.peek()? != b':' {
            return Err(Invalid);
        }
        self.i += 1;
        self.ws();
        Ok(key)
    }

    /// Closes the innermost container; an object's keys must be distinct.
    fn close(&mut self) -> Result<()> {
        let n = self.doc.open.pop().ok_or(Invalid)? as usize;
        let end = self.doc.nodes.len() as u32;
        let node = &mut self.doc.nodes[n];
        node.end = end;
        if node.kind == Kind::Object {
            let start = node.val.start as usize;
            node.val = Span::default();
            let distinct = distinct_keys(&self.doc.text, &mut self.keys[start..]);
            self.keys.truncate(start);
            if !distinct {
                return Err(Invalid);
            }
        }
        Ok(())
    }

    /// Reads a string (the opening quote is at `i`); returns where its text is.
    fn string(&mut self) -> Result<Span> {
        let start = self.i + 1;
        let j = scan(self.b, start);
        match self.b.get(j) {
            Some(b'"') => {
                self.i = j + 1;
                Ok(Span {
                    start: start as u32,
                    len: (j - start) as u32,
                })
            }
            Some(b'\\') => self.escaped(start, j),
            _ => Err(Invalid),
        }
    }

    /// Decodes a string with escapes into the arena; `j` is its first backslash.
    #[cold]
    fn escaped(&mut self, start: usize, mut j: usize) -> Result<Span> {
        let at = self.doc.text.len();
        self.doc.text.push_str(&self.s[start..j]);
        loop {
            // b[j] is a backslash.
            let e = *self.b.get(j + 1).ok_or(Invalid)?;
            j += 2;
            let c = match e {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let hi = self.hex4(j)?;
                    j += 4;
                    let code = match hi {
                        0xD800..=0xDBFF => {
                            if self.b.get(j..j + 2) != Some(b"\\u") {
                                return Err(Invalid);
                            }
                            let lo = self.hex4(j + 2)?;
                            if !(0xDC00..=0xDFFF).contains(&lo) {
                                return Err(Invalid);
                            }
                            j += 6;
                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        }
                        0xDC00..=0xDFFF => return Err(Invalid),
                        c => c,
                    };
                    char::from_u32(code).ok_or(Invalid)?
                }
                _ => return Err(Invalid),
            };
            self.doc.text.push(c);
            let k = scan(self.b, j);
            self.doc.text.push_str(&self.s[j..k]);
            match self.b.get(k) {
                Some(b'"') => {
                    self.i = k + 1;
                    return Ok(Span {
                        start: at as u32,
                        len: (self.doc.text.len() - at) as u32,
                    });
                }
                Some(b'\\') => j = k,
                _ => return Err(Invalid),
            }
        }
    }

    fn hex4(&self, at: usize) -> Result<u32> {
        let h = self.b.get(at..at + 4).ok_or(Invalid)?;
        let mut v = 0u32;
        for &c in h {
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return Err(Invalid),
            };
            v = v << 4 | u32::from(d);
        }
        Ok(v)
    }

    /// Reads a number (RFC 8259 syntax); refuses what `serde_json` cannot represent (floats
    /// that overflow to infinity).
    fn number(&mut self) -> Result<Span> {
        let b = self.b;
        let start = self.i;
        let mut i = start;
        if b[i] == b'-' {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                i += 1;
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            _ => return Err(Invalid),
        }
        let mut plain = true;
        if b.get(i) == Some(&b'.') {
            i += 1;
            i = digits(b, i)?;
            plain = false;
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            i = digits(b, i)?;
            plain = false;
        }
        if !plain || i - start > 18 {
            if let Number::F64(f) = read_number(&self.s[start..i]) {
                if !f.is_finite() {
                    return Err(Invalid);
                }
            }
        }
        self.i = i;
        Ok(Span {
            start: start as u32,
            len: (i - start) as u32,
        })
    }
}

/// One or more digits from `i`; returns the index after them.
fn digits(b: &[u8], mut i: usize) -> Result<usize> {
    let first = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    if i == first {
        Err(Invalid)
    } else {
        Ok(i)
    }
}

/// Whether the keys (spans of `text`) are distinct; may reorder them.
fn distinct_keys(text: &str, keys: &mut [Span]) -> bool {
    let key = |s: &Span| &text.as_bytes()[s.range()];
    if keys.len() <= 12 {
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[..i] {
                if a.len == b.len && key(a) == key(b) {
                    return false;
                }
            }
        }
        return true;
    }
    keys.sort_unstable_by(|a, b| key(a).cmp(key(b)));
    keys.windows(2).all(|w| key(&w[0]) != key(&w[1]))
}

/// The index of the first `"`, `\` or control character at or after `i` (or `b.len()`).
#[inline]
fn scan(b: &[u8], mut i: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let quote = w ^ (LO * u64::from(b'"'));
        let slash = w ^ (LO * u64::from(b'\\'));
        // For each test, the lowest flagged byte is a true match (borrows only run upward).
        let m = ((quote.wrapping_sub(LO) & !quote)
            | (slash.wrapping_sub(LO) & !slash)
            | (w.wrapping_sub(LO * 0x20) & !w))
            & HI;
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    i
}
