//! The kinds of planted PII and the registry of planted values (the leak oracle).

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// What a planted PII value is.
///
/// Each value the generator puts into an event that identifies or describes a person is listed
/// with one of these kinds ([`Generator::planted`](super::Generator::planted)), so a leak test can
/// check only the kinds its redaction rules are meant to cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PiiKind {
    /// An email address (login ids, standard attributes, recipients, invitees, OAuth claims).
    Email,
    /// A phone number, E.164 or as typed (`+44 7700 900123`).
    Phone,
    /// A person's name: full, given, family, or a nickname (only values of 6+ bytes).
    Name,
    /// A street address, a formatted address, or a postal code of 6+ bytes.
    Address,
    /// A birthdate (`YYYY-MM-DD`).
    Birthdate,
    /// An IPv4 or IPv6 address of an end user or an administrator.
    Ip,
    /// A raw `User-Agent` header.
    UserAgent,
    /// A username (login id or `preferred_username`, OAuth provider login).
    Username,
    /// A one-time code typed where it does not belong (an SMS pasted into the login box).
    OtpCode,
    /// The code of a one-time link, inside `audit_context.http_url`.
    OtpLinkCode,
    /// A URL that identifies a person (picture, profile, website, provider profile page).
    Url,
    /// A device name such as `Aisha's iPhone`.
    DeviceName,
    /// An identifier of the person at another system (OAuth `sub`, provider user id).
    ExternalId,
    /// An app-defined identifier in `custom_attributes` (loyalty or CRM number).
    CustomId,
    /// Free text written by an admin or a provider that names or quotes a person.
    FreeText,
}

impl PiiKind {
    /// Every kind, in declaration order.
    pub const ALL: [PiiKind; 15] = [
        PiiKind::Email,
        PiiKind::Phone,
        PiiKind::Name,
        PiiKind::Address,
        PiiKind::Birthdate,
        PiiKind::Ip,
        PiiKind::UserAgent,
        PiiKind::Username,
        PiiKind::OtpCode,
        PiiKind::OtpLinkCode,
        PiiKind::Url,
        PiiKind::DeviceName,
        PiiKind::ExternalId,
        PiiKind::CustomId,
        PiiKind::FreeText,
    ];

    /// The snake-case name (`email`, `user_agent`, `otp_link_code`, ...).
    pub const fn as_str(&self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::Name => "name",
            PiiKind::Address => "address",
            PiiKind::Birthdate => "birthdate",
            PiiKind::Ip => "ip",
            PiiKind::UserAgent => "user_agent",
            PiiKind::Username => "username",
            PiiKind::OtpCode => "otp_code",
            PiiKind::OtpLinkCode => "otp_link_code",
            PiiKind::Url => "url",
            PiiKind::DeviceName => "device_name",
            PiiKind::ExternalId => "external_id",
            PiiKind::CustomId => "custom_id",
            PiiKind::FreeText => "free_text",
        }
    }
}

impl std::fmt::Display for PiiKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Values shorter than this are never listed (too short to grep for without false hits).
pub(crate) const MIN_PII_BYTES: usize = 6;

/// Values made only of digits and separators (`-`, `.`, space, `/`, brackets) with fewer
/// digits than this are never listed either: six-digit postal codes, `408-4494` and nine-digit
/// provider ids turn up by chance inside timestamps, UUIDs and trace ids, which would make a
/// leak oracle report leaks that are not there. (They are still planted.)
pub(crate) const MIN_DIGITS_ONLY: usize = 12;

/// Whether a value can be searched for in output without chance matches.
pub(crate) fn grep_safe(value: &str) -> bool {
    let numeric = value
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'.' | b' ' | b'/' | b'(' | b')'));
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    // `YYYY-MM-DD` cannot occur by chance inside a UUID (groups of 8-4-4-4-12), a trace id or
    // a Unix timestamp, and the platform's own dates are timestamps with a time part.
    let b = value.as_bytes();
    let date = b.len() == 10 && b[4] == b'-' && b[7] == b'-' && digits == 8;
    value.len() >= MIN_PII_BYTES && (date || !(numeric && digits < MIN_DIGITS_ONLY))
}

/// A hasher for keys that already are 64-bit hashes.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Every planted value, deduplicated, in first-planted order.
///
/// Dedup keys are 64-bit digests of the values (`DefaultHasher::new()`, which has fixed keys),
/// so the set costs 8 bytes per value on top of the list itself.
#[derive(Default)]
pub(crate) struct Registry {
    list: Vec<(PiiKind, String)>,
    seen: HashSet<u64, BuildHasherDefault<PassThrough>>,
}

fn digest(value: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

impl Registry {
    /// Lists `value` (once) when it is long enough to be a useful oracle.
    pub(crate) fn plant(&mut self, kind: PiiKind, value: &str) {
        if !grep_safe(value) {
            return;
        }
        if self.seen.insert(digest(value)) {
            self.list.push((kind, value.to_owned()));
        }
    }

    pub(crate) fn list(&self) -> &[(PiiKind, String)] {
        &self.list
    }

    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// Keeps, among the values listed from index `from` on, only those `keep` accepts; the
    /// others are forgotten as if never planted (used when a malformed line lost them).
    pub(crate) fn retain_from(&mut self, from: usize, mut keep: impl FnMut(&str) -> bool) {
        if from >= self.list.len() {
            return;
        }
        let tail: Vec<(PiiKind, String)> = self.list.drain(from..).collect();
        for (kind, value) in tail {
            if keep(&value) {
                self.list.push((kind, value));
            } else {
                self.seen.remove(&digest(&value));
            }
        }
    }
}
