//! What a rule does to what it selects: drop, mask, replace, keyed pseudonymization, partial
//! masks, IP truncation, string truncation, query-string masking, or keep.
//!
//! Every action is idempotent: applying it to its own output changes nothing. Pseudonyms are
//! written with letters only (`hmac:<key id>:<24 letters a-p>`) so that no detector of digits
//! (phones, cards, IPs, codes) can ever match inside one, and an existing pseudonym is left as
//! it is.

use std::fmt::Write as _;
use std::net::IpAddr;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The text that replaces masked values.
pub const MASK: &str = "[REDACTED]";

/// Prefix of pseudonyms.
pub(crate) const PSEUDONYM_PREFIX: &str = "hmac:";

/// Letters of a pseudonym's digest: 24 of them, 4 bits each (96 bits of HMAC-SHA256).
const DIGEST_LETTERS: usize = 24;

/// A compiled action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    Keep,
    Drop,
    Mask,
    Replace(String),
    Hash,
    Partial {
        keep_first: usize,
        keep_last: usize,
        keep_domain: bool,
    },
    TruncateIp {
        ipv4_prefix: u8,
        ipv6_prefix: u8,
    },
    Truncate {
        max_chars: usize,
    },
    MaskQuery,
}

impl Action {
    /// The configuration name.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Action::Keep => "keep",
            Action::Drop => "drop",
            Action::Mask => "mask",
            Action::Replace(_) => "replace",
            Action::Hash => "hash",
            Action::Partial { .. } => "partial",
            Action::TruncateIp { .. } => "truncate_ip",
            Action::Truncate { .. } => "truncate",
            Action::MaskQuery => "mask_query",
        }
    }

    /// The text `mask` and `replace` write, whatever the value.
    pub(crate) fn fixed_text(&self) -> Option<&str> {
        match self {
            Action::Mask => Some(MASK),
            Action::Replace(v) => Some(v),
            _ => None,
        }
    }

    /// Whether the output may still contain personal data that value detectors should look at.
    pub(crate) fn refinable(&self) -> bool {
        matches!(
            self,
            Action::Truncate { .. } | Action::MaskQuery | Action::Partial { .. }
        )
    }

    /// Applies the action to a string. `None` means "drop".
    pub(crate) fn apply(&self, s: &str, key: &Pseudonymizer) -> Option<String> {
        Some(match self {
            Action::Keep => s.to_owned(),
            Action::Drop => return None,
            Action::Mask => MASK.to_owned(),
            Action::Replace(v) => v.clone(),
            Action::Hash => key.pseudonym(s),
            Action::Partial {
                keep_first,
                keep_last,
                keep_domain,
            } => partial(s, *keep_first, *keep_last, *keep_domain),
            Action::TruncateIp {
                ipv4_prefix,
                ipv6_prefix,
            } => truncate_ip(s, *ipv4_prefix, *ipv6_prefix),
            Action::Truncate { max_chars } => truncate(s, *max_chars),
            Action::MaskQuery => mask_query(s),
        })
    }
}

/// Keyed pseudonymization: HMAC-SHA256 under a secret key, tagged with the key's id so that
/// keys can be rotated and tokens of two keys told apart.
#[derive(Clone)]
pub struct Pseudonymizer {
    key_id: String,
    mac: Hmac<Sha256>,
    ephemeral: bool,
    /// Tells this key's cached pseudonyms from another key's.
    id: u64,
}

/// Distinct values remembered per thread before the cache starts over.
const PSEUDONYM_CACHE_LIMIT: usize = 4096;

static NEXT_PSEUDONYMIZER_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

#[derive(Default)]
struct PseudonymCache {
    owner: u64,
    map: rustc_hash::FxHashMap<Box<str>, String>,
}

thread_local! {
    static PSEUDONYM_CACHE: std::cell::RefCell<PseudonymCache> = std::cell::RefCell::new(PseudonymCache::default());
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("Pseudonymizer")
            .field("key_id", &self.key_id)
            .field("ephemeral", &self.ephemeral)
            .finish_non_exhaustive()
    }
}

impl Pseudonymizer {
    /// A pseudonymizer with a secret key. `key_id` is written into every token.
    pub fn new(key_id: &str, key: &[u8]) -> Pseudonymizer {
        Pseudonymizer {
            key_id: key_id.to_owned(),
            mac: Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length"),
            ephemeral: false,
            id: NEXT_PSEUDONYMIZER_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// A pseudonymizer with a random key that lives as long as the process: tokens are stable
    /// within one run only. Used when no key is configured.
    pub fn ephemeral() -> Pseudonymizer {
        let key: [u8; 32] = rand::random();
        let mut p = Pseudonymizer::new("ephemeral", &key);
        p.ephemeral = true;
        p
    }

    /// Whether the key is random per process.
    pub fn is_ephemeral(&self) -> bool {
        self.ephemeral
    }

    /// The key id.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The pseudonym of `s`; an existing pseudonym is returned unchanged.
    ///
    /// Recent results are remembered per thread (IP addresses, user agents and the emails of
    /// active users repeat from event to event); the cache lives in memory only, is bounded,
    /// and belongs to one key.
    pub fn pseudonym(&self, s: &str) -> String {
        if is_pseudonym(s) {
            return s.to_owned();
        }
        PSEUDONYM_CACHE.with(|cell| {
            let Ok(mut cache) = cell.try_borrow_mut() else {
                return self.compute(s);
            };
            if cache.owner != self.id {
                cache.map.clear();
                cache.owner = self.id;
            }
            if let Some(t) = cache.map.get(s) {
                return t.clone();
            }
            let t = self.compute(s);
            if cache.map.len() >= PSEUDONYM_CACHE_LIMIT {
                cache.map.clear();
            }
            cache.map.insert(s.into(), t.clone());
            t
        })
    }

    fn compute(&self, s: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(s.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut out =
            String::with_capacity(PSEUDONYM_PREFIX.len() + self.key_id.len() + 1 + DIGEST_LETTERS);
        out.push_str(PSEUDONYM_PREFIX);
        out.push_str(&self.key_id);
        out.push(':');
        for byte in digest.iter().take(DIGEST_LETTERS / 2) {
            out.push((b'a' + (byte >> 4)) as char);
            out.push((b'a' + (byte & 0x0f)) as char);
        }
        out
    }
}

/// Whether `s` is a pseudonym made by [`Pseudonymizer::pseudonym`].
pub fn is_pseudonym(s: &str) -> bool {
    let Some(rest) = s.strip_prefix(PSEUDONYM_PREFIX) else {
        return false;
    };
    let Some((id, digest)) = rest.split_once(':') else {
        return false;
    };
    valid_key_id(id)
        && digest.len() == DIGEST_LETTERS
        && digest.bytes().all(|b| (b'a'..=b'p').contains(&b))
}

/// Key ids are 1 to 16 of `A-Z a-z 0-9 _ -`.
pub(crate) fn valid_key_id(id: &str) -> bool {
    (1..=16).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn partial(s: &str, keep_first: usize, keep_last: usize, keep_domain: bool) -> String {
    if keep_domain {
        if let Some((local, domain)) = s.rsplit_once('@') {
            // Always three stars for the local part: its length is information too.
            let kept: String = local.chars().take(keep_first).collect();
            return format!("{kept}***@{domain}");
        }
    }
    mask_middle(s, keep_first, keep_last)
}

fn mask_middle(s: &str, keep_first: usize, keep_last: usize) -> String {
    let n = s.chars().count();
    if n <= keep_first + keep_last {
        return "*".repeat(n);
    }
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        if i < keep_first || i >= n - keep_last {
            out.push(c);
        } else {
            out.push('*');
        }
    }
    out
}

fn truncate_ip(s: &str, v4: u8, v6: u8) -> String {
    let (addr, given_prefix) = match s.split_once('/') {
        Some((a, p)) => (a, p.parse::<u8>().ok()),
        None => (s, None),
    };
    match addr.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            let prefix = v4.min(32);
            if given_prefix.is_some_and(|p| p <= prefix) {
                return s.to_owned();
            }
            let bits = u32::from(ip) & (u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0));
            format!("{}/{prefix}", std::net::Ipv4Addr::from(bits))
        }
        Ok(IpAddr::V6(ip)) => {
            let prefix = v6.min(128);
            if given_prefix.is_some_and(|p| p <= prefix) {
                return s.to_owned();
            }
            let bits =
                u128::from(ip) & (u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0));
            format!("{}/{prefix}", std::net::Ipv6Addr::from(bits))
        }
        // Not an address: fail closed.
        Err(_) => MASK.to_owned(),
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    let mut it = s.char_indices();
    match it.nth(max_chars) {
        None => s.to_owned(),
        Some((end, _)) => {
            // Already truncated by us: `max_chars` characters then the ellipsis.
            if &s[end..] == "…" {
                return s.to_owned();
            }
            let mut out = s[..end].to_owned();
            out.push('…');
            out
        }
    }
}

/// Keeps scheme, host, path and parameter names; masks every query and fragment value.
fn mask_query(s: &str) -> String {
    let cut = match s.find(['?', '#']) {
        Some(i) => i,
        // A bare query string (`url.query`): `a=1&b=2`.
        None if is_bare_query(s) => return mask_query(&format!("?{s}"))[1..].to_owned(),
        None => return s.to_owned(),
    };
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..cut]);
    let mut rest = &s[cut..];
    while !rest.is_empty() {
        // A delimiter, then a `name=value` or bare `value` up to the next delimiter.
        let delim = &rest[..1];
        out.push_str(delim);
        rest = &rest[1..];
        let end = rest.find(['&', '#', ';', '?']).unwrap_or(rest.len());
        let part = &rest[..end];
        match part.split_once('=') {
            Some((name, value)) if !value.is_empty() => {
                let _ = write!(out, "{name}=");
                out.push_str(if value == MASK || harmless_parameter(name, value) {
                    value
                } else {
                    MASK
                });
            }
            Some((name, _)) => {
                let _ = write!(out, "{name}=");
            }
            None if part.is_empty() || part == MASK => out.push_str(part),
            None => out.push_str(MASK),
        }
        rest = &rest[end..];
    }
    out
}

/// Whether `s` is a query string without its `?`: `name=value` pairs, no spaces, no scheme.
fn is_bare_query(s: &str) -> bool {
    s.contains('=') && !s.contains("://") && !s.bytes().any(|b| b.is_ascii_whitespace())
}

/// Parameter names that carry secrets or identities: their values always go.
const SENSITIVE_PARAMETER_WORDS: [&str; 22] = [
    "code",
    "token",
    "state",
    "nonce",
    "password",
    "passwd",
    "secret",
    "otp",
    "key",
    "sig",
    "hint",
    "email",
    "mail",
    "phone",
    "user",
    "name",
    "login",
    "recipient",
    "auth",
    "session",
    "ticket",
    "address",
];

/// Parameter names whose values are enumerations (OAuth and common UI parameters).
const ENUM_PARAMETERS: [&str; 16] = [
    "response_type",
    "response_mode",
    "prompt",
    "ui_locales",
    "display",
    "grant_type",
    "code_challenge_method",
    "lang",
    "locale",
    "format",
    "sort",
    "order",
    "view",
    "tab",
    "mode",
    "x_sdk",
];

/// A parameter value that is not personal: a same-site path (`next=%2Fhome`) under a name
/// that is not sensitive, or an enumeration under a known enumeration parameter
/// (`response_type=code`). Detectors still run over what is kept.
fn harmless_parameter(name: &str, value: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if SENSITIVE_PARAMETER_WORDS.iter().any(|w| lower.contains(w)) {
        return ENUM_PARAMETERS.contains(&lower.as_str()) && is_enum_value(value);
    }
    if ENUM_PARAMETERS.contains(&lower.as_str()) {
        return is_enum_value(value);
    }
    is_relative_path(value)
}

fn is_enum_value(v: &str) -> bool {
    v.len() <= 32
        && v.bytes()
            .all(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'-' | b'+' | b'.'))
}

/// `/home`, `%2Fhome`: a path on the same site (not `//host`, no `@`, no `:`).
fn is_relative_path(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("%2f") {
        r
    } else if let Some(r) = lower.strip_prefix('/') {
        r
    } else {
        return false;
    };
    v.len() <= 256
        && !rest.starts_with('/')
        && !rest.starts_with("%2f")
        && !lower.contains(['@', ':', '\\'])
        && !lower.contains("%40")
        && !lower.contains("%3a")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Pseudonymizer {
        Pseudonymizer::new("k1", b"secret")
    }

    fn twice(a: &Action, s: &str) -> (Option<String>, Option<String>) {
        let once = a.apply(s, &key());
        let again = once.as_deref().and_then(|o| a.apply(o, &key()));
        (once, again)
    }

    #[test]
    fn pseudonyms_are_deterministic_keyed_and_digit_free() {
        let k = key();
        let a = k.pseudonym("alice@example.com");
        assert_eq!(a, k.pseudonym("alice@example.com"));
        assert_ne!(
            a,
            Pseudonymizer::new("k1", b"other").pseudonym("alice@example.com")
        );
        assert_ne!(a, k.pseudonym("bob@example.com"));
        assert!(a.starts_with("hmac:k1:"));
        assert!(is_pseudonym(&a));
        assert!(!a["hmac:k1:".len()..].bytes().any(|b| b.is_ascii_digit()));
        assert_eq!(k.pseudonym(&a), a, "idempotent");
        assert!(!format!("{k:?}").contains("secret"));
    }

    #[test]
    fn partial_masks() {
        let email = Action::Partial {
            keep_first: 1,
            keep_last: 0,
            keep_domain: true,
        };
        assert_eq!(
            email.apply("rahimi.jose@mail.example.com", &key()).unwrap(),
            "r***@mail.example.com"
        );
        let phone = Action::Partial {
            keep_first: 0,
            keep_last: 4,
            keep_domain: false,
        };
        assert_eq!(
            phone.apply("+447700900719", &key()).unwrap(),
            "*********0719"
        );
        assert_eq!(phone.apply("123", &key()).unwrap(), "***");
    }

    #[test]
    fn ip_truncation() {
        let a = Action::TruncateIp {
            ipv4_prefix: 24,
            ipv6_prefix: 64,
        };
        assert_eq!(
            a.apply("154.176.221.161", &key()).unwrap(),
            "154.176.221.0/24"
        );
        assert_eq!(
            a.apply("2001:db8:85a3:1:2:8a2e:370:7334", &key()).unwrap(),
            "2001:db8:85a3:1::/64"
        );
        assert_eq!(a.apply("not an ip", &key()).unwrap(), MASK);
    }

    #[test]
    fn query_masking() {
        assert_eq!(
            mask_query("https://h/authflow/v2/reset_password?code=FCV6&x_state=s#frag"),
            "https://h/authflow/v2/reset_password?code=[REDACTED]&x_state=[REDACTED]#[REDACTED]"
        );
        assert_eq!(mask_query("https://h/login"), "https://h/login");
        assert_eq!(
            mask_query("https://h/p?flag&a="),
            "https://h/p?[REDACTED]&a="
        );
    }

    #[test]
    fn every_action_is_idempotent() {
        let actions = [
            Action::Keep,
            Action::Mask,
            Action::Replace("x".into()),
            Action::Hash,
            Action::Partial {
                keep_first: 2,
                keep_last: 2,
                keep_domain: false,
            },
            Action::Partial {
                keep_first: 1,
                keep_last: 0,
                keep_domain: true,
            },
            Action::TruncateIp {
                ipv4_prefix: 24,
                ipv6_prefix: 64,
            },
            Action::Truncate { max_chars: 5 },
            Action::MaskQuery,
        ];
        for a in &actions {
            for s in [
                "alice@example.com",
                "+447700900719",
                "10.1.2.3",
                "2001:db8::1",
                "https://h/p?code=1&b=2#f",
                "Zoë Łukasz 山田",
                "",
            ] {
                let (once, again) = twice(a, s);
                assert_eq!(once, again, "{a:?} on {s:?}");
            }
        }
    }
}
