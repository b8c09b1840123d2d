//! Field paths: `payload.user.standard_attributes.email`, `payload.identities[*].claims.*`,
//! `context.audit_context["http_url"]`, `payload.**.email`.
//!
//! | segment | matches |
//! |---|---|
//! | `name` or `["name"]` | the object key `name` (quote keys that contain `.` or `[`) |
//! | `*` | any one object key |
//! | `[*]` | any one array element |
//! | `[3]` | array element 3 |
//! | `**` | zero or more keys or elements |
//!
//! Arrays are transparent to key segments: `payload.sessions.userAgent` matches the
//! `userAgent` of every element of `payload.sessions`, so a path written for one object keeps
//! working when the platform sends a list.

use std::fmt;

/// One step of a path pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    AnyKey,
    AnyIndex,
    Index(usize),
    AnyDepth,
}

/// A compiled path pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathPattern {
    pub(crate) segs: Vec<Seg>,
}

/// A step taken while walking a JSON tree.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

impl PathPattern {
    /// Parses a pattern; the error says what is wrong and where.
    pub(crate) fn parse(s: &str) -> Result<PathPattern, String> {
        let b = s.as_bytes();
        let mut segs = Vec::new();
        let mut i = 0;
        if s.is_empty() {
            return Err("the path is empty".into());
        }
        while i < b.len() {
            match b[i] {
                b'.' => {
                    if i == 0 || i + 1 == b.len() || b[i + 1] == b'.' {
                        return Err(format!("unexpected `.` at byte {i}"));
                    }
                    i += 1;
                }
                b'[' => {
                    let end = find_bracket_end(b, i)
                        .ok_or_else(|| format!("unclosed `[` at byte {i}"))?;
                    let inner = &s[i + 1..end];
                    segs.push(if inner == "*" {
                        Seg::AnyIndex
                    } else if let Some(q) =
                        inner.strip_prefix('"').and_then(|x| x.strip_suffix('"'))
                    {
                        Seg::Key(q.replace("\\\"", "\""))
                    } else if let Ok(n) = inner.parse::<usize>() {
                        Seg::Index(n)
                    } else {
                        return Err(format!(
                            "`[{inner}]` at byte {i} must be `[*]`, `[<number>]` or `[\"key\"]`"
                        ));
                    });
                    i = end + 1;
                }
                _ => {
                    let start = i;
                    while i < b.len() && b[i] != b'.' && b[i] != b'[' {
                        i += 1;
                    }
                    let word = &s[start..i];
                    segs.push(match word {
                        "*" => Seg::AnyKey,
                        "**" => Seg::AnyDepth,
                        w if w.contains('*') => {
                            return Err(format!(
                                "`{w}`: `*` must stand alone as a segment (`*` or `**`)"
                            ))
                        }
                        w => Seg::Key(w.to_owned()),
                    });
                }
            }
        }
        Ok(PathPattern { segs })
    }

    /// Adds `pos` and, through `**`, the positions it can skip to.
    #[cfg(test)]
    pub(crate) fn enter(&self, pos: usize, out: &mut Vec<usize>) {
        push_unique(out, pos);
        if let Some(Seg::AnyDepth) = self.segs.get(pos) {
            self.enter(pos + 1, out);
        }
    }

    /// Advances the active position `pos` over `step`, pushing the resulting positions.
    #[cfg(test)]
    pub(crate) fn advance(&self, pos: usize, step: Step<'_>, out: &mut Vec<usize>) {
        let Some(seg) = self.segs.get(pos) else {
            return;
        };
        match (seg, step) {
            (Seg::Key(k), Step::Key(s)) if k == s => self.enter(pos + 1, out),
            (Seg::AnyKey, Step::Key(_)) => self.enter(pos + 1, out),
            (Seg::AnyIndex, Step::Index(_)) => self.enter(pos + 1, out),
            (Seg::Index(n), Step::Index(i)) if *n == i => self.enter(pos + 1, out),
            // Arrays are transparent to key segments.
            (Seg::Key(_) | Seg::AnyKey, Step::Index(_)) => push_unique(out, pos),
            (Seg::AnyDepth, _) => self.enter(pos, out),
            _ => {}
        }
    }

    /// Whether `pos` is the end of the pattern.
    #[cfg(test)]
    pub(crate) fn is_end(&self, pos: usize) -> bool {
        pos == self.segs.len()
    }

    /// Whether the pattern matches a concrete path: the reference semantics the trie is tested
    /// against.
    #[cfg(test)]
    pub(crate) fn matches(&self, steps: &[Step<'_>]) -> bool {
        let mut cur = Vec::new();
        self.enter(0, &mut cur);
        for s in steps {
            let mut next = Vec::new();
            for &p in &cur {
                self.advance(p, *s, &mut next);
            }
            cur = next;
        }
        cur.iter().any(|&p| self.is_end(p))
    }
}

#[cfg(test)]
fn push_unique(out: &mut Vec<usize>, pos: usize) {
    if !out.contains(&pos) {
        out.push(pos);
    }
}

fn find_bracket_end(b: &[u8], open: usize) -> Option<usize> {
    let mut i = open + 1;
    let quoted = b.get(i) == Some(&b'"');
    if quoted {
        i += 1;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'"' => return (b.get(i + 1) == Some(&b']')).then_some(i + 1),
                _ => i += 1,
            }
        }
        None
    } else {
        b[i..].iter().position(|&c| c == b']').map(|p| i + p)
    }
}

impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.segs.iter().enumerate() {
            match s {
                Seg::Key(k) if k.contains(['.', '[', ']', '"', '*']) => {
                    write!(f, "[\"{}\"]", k.replace('"', "\\\""))?
                }
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?
                }
                Seg::AnyKey | Seg::AnyDepth => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(if *s == Seg::AnyKey { "*" } else { "**" })?
                }
                Seg::AnyIndex => f.write_str("[*]")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// All the paths of one rule merged into a trie, so that a walk advances one state per rule
/// and tree position instead of one per path (a rule such as the built-in `keep` list has
/// dozens of paths).
#[derive(Debug, Clone, Default)]
pub(crate) struct PathTrie {
    nodes: Vec<TrieNode>,
}

#[derive(Debug, Clone, Default)]
struct TrieNode {
    keys: Vec<(Box<str>, u32)>,
    key_map: Option<rustc_hash::FxHashMap<Box<str>, u32>>,
    any_key: Option<u32>,
    any_index: Option<u32>,
    index: Vec<(usize, u32)>,
    /// The `**` child.
    deep: Option<u32>,
    /// This node is a `**`: it stays put on any step.
    is_deep: bool,
    terminal: bool,
}

/// More literal children than this and a node looks them up in a hash map.
const LINEAR_KEYS: usize = 8;

impl PathTrie {
    /// A trie of `paths`.
    pub(crate) fn new(paths: &[PathPattern]) -> PathTrie {
        let mut t = PathTrie {
            nodes: vec![TrieNode::default()],
        };
        for p in paths {
            let mut n = 0u32;
            for seg in &p.segs {
                n = t.child(n, seg);
            }
            t.nodes[n as usize].terminal = true;
        }
        for node in &mut t.nodes {
            if node.keys.len() > LINEAR_KEYS {
                node.key_map = Some(node.keys.iter().cloned().collect());
            }
        }
        t
    }

    fn child(&mut self, n: u32, seg: &Seg) -> u32 {
        let next = self.nodes.len() as u32;
        let node = &mut self.nodes[n as usize];
        let existing = match seg {
            Seg::Key(k) => node.keys.iter().find(|(x, _)| **x == **k).map(|(_, c)| *c),
            Seg::AnyKey => node.any_key,
            Seg::AnyIndex => node.any_index,
            Seg::Index(i) => node.index.iter().find(|(x, _)| x == i).map(|(_, c)| *c),
            Seg::AnyDepth => node.deep,
        };
        if let Some(c) = existing {
            return c;
        }
        match seg {
            Seg::Key(k) => node.keys.push((k.clone().into_boxed_str(), next)),
            Seg::AnyKey => node.any_key = Some(next),
            Seg::AnyIndex => node.any_index = Some(next),
            Seg::Index(i) => node.index.push((*i, next)),
            Seg::AnyDepth => node.deep = Some(next),
        }
        self.nodes.push(TrieNode {
            is_deep: matches!(seg, Seg::AnyDepth),
            ..TrieNode::default()
        });
        next
    }

    /// Calls `out` with the root and what `**` lets it skip to.
    pub(crate) fn start(&self, out: &mut impl FnMut(u32)) {
        self.enter(0, out);
    }

    fn enter(&self, n: u32, out: &mut impl FnMut(u32)) {
        out(n);
        if let Some(d) = self.nodes[n as usize].deep {
            out(d);
        }
    }

    /// Calls `out` with every node reached from `n` by `step`.
    pub(crate) fn advance(&self, n: u32, step: Step<'_>, out: &mut impl FnMut(u32)) {
        let node = &self.nodes[n as usize];
        if node.is_deep {
            out(n);
        }
        match step {
            Step::Key(k) => {
                let hit = match &node.key_map {
                    Some(m) => m.get(k).copied(),
                    None => node.keys.iter().find(|(x, _)| **x == *k).map(|(_, c)| *c),
                };
                if let Some(c) = hit {
                    self.enter(c, out);
                }
                if let Some(c) = node.any_key {
                    self.enter(c, out);
                }
            }
            Step::Index(i) => {
                if let Some(c) = node.any_index {
                    self.enter(c, out);
                }
                if let Some((_, c)) = node.index.iter().find(|(x, _)| *x == i) {
                    self.enter(*c, out);
                }
                // Arrays are transparent to key segments.
                if !node.is_deep && (!node.keys.is_empty() || node.any_key.is_some()) {
                    out(n);
                }
            }
        }
    }

    /// Whether a path ends at `n`.
    pub(crate) fn is_end(&self, n: u32) -> bool {
        self.nodes[n as usize].terminal
    }
}

/// Appends one step to a rendered path: `payload.identities[0].claims["https://x/y"]`.
pub(crate) fn push_step(path: &mut String, step: Step<'_>) {
    use std::fmt::Write as _;
    match step {
        Step::Key(k) if k.contains(['.', '[', ']', '"']) || k.is_empty() => {
            let _ = write!(path, "[{k:?}]");
        }
        Step::Key(k) => {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(k);
        }
        Step::Index(i) => {
            let _ = write!(path, "[{i}]");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Step::{Index as I, Key as K};

    fn p(s: &str) -> PathPattern {
        PathPattern::parse(s).unwrap()
    }

    #[test]
    fn exact_wildcards_and_arrays() {
        assert!(p("payload.user.standard_attributes.email").matches(&[
            K("payload"),
            K("user"),
            K("standard_attributes"),
            K("email")
        ]));
        let claims = p("payload.identities[*].claims.*");
        assert!(claims.matches(&[K("payload"), K("identities"), I(3), K("claims"), K("x")]));
        assert!(!claims.matches(&[K("payload"), K("identities"), I(3), K("claims")]));
        assert!(!claims.matches(&[K("payload"), K("identities"), K("claims"), K("x")]));
        // Arrays are transparent to key segments.
        let ua = p("payload.sessions.userAgent");
        assert!(ua.matches(&[K("payload"), K("sessions"), I(0), K("userAgent")]));
        assert!(p("payload.a[1]").matches(&[K("payload"), K("a"), I(1)]));
        assert!(!p("payload.a[1]").matches(&[K("payload"), K("a"), I(2)]));
    }

    #[test]
    fn any_depth() {
        let deep = p("payload.**.email");
        assert!(deep.matches(&[K("payload"), K("email")]));
        assert!(deep.matches(&[K("payload"), K("a"), I(2), K("b"), K("email")]));
        assert!(!deep.matches(&[K("context"), K("email")]));
        assert!(p("**").matches(&[K("x"), I(1)]));
    }

    #[test]
    fn quoted_keys_with_dots() {
        let q = p(r#"payload.identity.claims["https://authgear.com/claims/login_id/value"]"#);
        assert_eq!(q.segs.len(), 4);
        assert!(q.matches(&[
            K("payload"),
            K("identity"),
            K("claims"),
            K("https://authgear.com/claims/login_id/value")
        ]));
        assert_eq!(
            q.to_string(),
            r#"payload.identity.claims["https://authgear.com/claims/login_id/value"]"#
        );
    }

    #[test]
    fn errors_say_where() {
        for bad in ["", "a..b", ".a", "a.", "a[", "a[x]", "a.em*il", r#"a["x"#] {
            let e = PathPattern::parse(bad).unwrap_err();
            assert!(!e.is_empty(), "{bad}");
        }
    }

    /// The trie agrees with the patterns it is built from.
    fn trie_matches(paths: &[&str], steps: &[Step<'_>]) -> bool {
        let pats: Vec<PathPattern> = paths.iter().map(|p| p.parse_path()).collect();
        let t = PathTrie::new(&pats);
        let mut cur = Vec::new();
        t.start(&mut |n| cur.push(n));
        for s in steps {
            let mut next = Vec::new();
            for &n in &cur {
                t.advance(n, *s, &mut |m| {
                    if !next.contains(&m) {
                        next.push(m)
                    }
                });
            }
            cur = next;
        }
        let by_trie = cur.iter().any(|&n| t.is_end(n));
        let by_patterns = pats.iter().any(|p| p.matches(steps));
        assert_eq!(by_trie, by_patterns, "{paths:?} on {steps:?}");
        by_trie
    }

    trait ParsePath {
        fn parse_path(&self) -> PathPattern;
    }

    impl ParsePath for &str {
        fn parse_path(&self) -> PathPattern {
            PathPattern::parse(self).unwrap()
        }
    }

    #[test]
    fn the_trie_agrees_with_the_patterns() {
        let set = [
            "payload.user.id",
            "payload.*.id",
            "payload.identities[*].claims.*",
            "payload.**.email",
            "payload.a[1]",
            "context.x",
        ];
        let cases: Vec<Vec<Step<'_>>> = vec![
            vec![K("payload"), K("user"), K("id")],
            vec![K("payload"), K("session"), K("id")],
            vec![K("payload"), K("sessions"), I(2), K("id")],
            vec![K("payload"), K("identities"), I(0), K("claims"), K("x")],
            vec![K("payload"), K("identities"), K("claims"), K("x")],
            vec![K("payload"), K("x"), I(3), K("y"), K("email")],
            vec![K("payload"), K("email")],
            vec![K("payload"), K("a"), I(1)],
            vec![K("payload"), K("a"), I(2)],
            vec![K("context"), K("x")],
            vec![K("context"), K("y")],
            vec![K("payload")],
        ];
        let mut hits = 0;
        for c in &cases {
            hits += usize::from(trie_matches(&set, c));
            for one in set {
                trie_matches(&[one], c);
            }
        }
        assert_eq!(hits, 8);
        // Many literal children switch a node to a hash map.
        let many: Vec<String> = (0..40).map(|i| format!("payload.k{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(trie_matches(&many, &[K("payload"), K("k33")]));
        assert!(!trie_matches(&many, &[K("payload"), K("k40")]));
    }

    #[test]
    fn rendered_paths_quote_odd_keys() {
        let mut s = String::new();
        for step in [K("payload"), K("a.b"), I(0), K("c")] {
            push_step(&mut s, step);
        }
        assert_eq!(s, r#"payload["a.b"][0].c"#);
    }
}
