//! Value detectors: find personal data and secrets inside strings, wherever they are.
//!
//! Each detector is a regex, optionally followed by a validator (Luhn for card numbers,
//! `std::net` parsing for IPv6) so that a lookalike is not redacted. Detectors that redact only
//! part of their match (the value of a `code=` query parameter, not the name) use a capture
//! group named `v`.
//!
//! All detectors of a rule set are also compiled into one `RegexSet`, so a string that contains
//! nothing of interest (the common case: ids, timestamps, enum values) costs one scan.

use std::net::{Ipv4Addr, Ipv6Addr};

use regex::Regex;
use serde::{Deserialize, Serialize};

/// The built-in detectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Detector {
    /// Email addresses, also percent-encoded (`alice%40example.com`) as in URL query strings.
    Email,
    /// International phone numbers: E.164 (`+447700900123`) and written forms with a leading
    /// `+` and spaces, dots, dashes or brackets (`+1 (415) 555-0101`), also `%2B`-encoded.
    Phone,
    /// IPv4 addresses.
    Ipv4,
    /// IPv6 addresses (validated by parsing), including IPv4-mapped forms.
    Ipv6,
    /// Payment card numbers of 13 to 19 digits, plain or grouped by spaces or dashes, that pass
    /// the Luhn check.
    CreditCard,
    /// JSON Web Tokens (`eyJ...`).
    Jwt,
    /// Bearer tokens and well-known API key formats: `Bearer ...`, Stripe `sk_live_...`,
    /// GitHub `ghp_...`/`github_pat_...`, GitLab `glpat-...`, Slack `xoxb-...`, AWS access key
    /// ids (`AKIA...`, `ASIA...`), Google API keys (`AIza...`) and OAuth tokens (`ya29.`),
    /// npm, SendGrid and OpenAI-style `sk-...` keys, Azure `AccountKey=...`.
    ApiToken,
    /// Credentials in text: HTTP authorization values other than bearer tokens (`Basic ...`,
    /// `Digest ...`, `Negotiate`, `NTLM`, `AWS4-HMAC-SHA256 ...`), cookies (`Cookie: ...`,
    /// `Set-Cookie: ...`), assignments of secrets (`password=...`, `"client_secret": "..."`,
    /// `aws_secret_access_key = ...`, `X-Api-Key: ...`), the user and password of a URL or
    /// connection string (`postgres://user:pass@host`), and PEM private-key blocks.
    Credential,
    /// Values of URL query parameters that carry secrets or identities (`code`, `token`,
    /// `state`, `email`, `login_hint`, `password`, ...).
    UrlSecret,
    /// One-time codes in an OTP context: "482913 is your verification code", "OTP: 482913",
    /// "code 4829-13".
    OtpCode,
}

impl Detector {
    /// Every built-in detector.
    pub const ALL: [Detector; 10] = [
        Detector::Email,
        Detector::Phone,
        Detector::Ipv4,
        Detector::Ipv6,
        Detector::CreditCard,
        Detector::Jwt,
        Detector::ApiToken,
        Detector::Credential,
        Detector::UrlSecret,
        Detector::OtpCode,
    ];

    /// The configuration name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Detector::Email => "email",
            Detector::Phone => "phone",
            Detector::Ipv4 => "ipv4",
            Detector::Ipv6 => "ipv6",
            Detector::CreditCard => "credit_card",
            Detector::Jwt => "jwt",
            Detector::ApiToken => "api_token",
            Detector::Credential => "credential",
            Detector::UrlSecret => "url_secret",
            Detector::OtpCode => "otp_code",
        }
    }

    pub(crate) fn pattern(self) -> &'static str {
        match self {
            Detector::Email => {
                r"(?i)[\p{L}\p{N}_%+\-](?:[\p{L}\p{N}._%+\-']*[\p{L}\p{N}_%+\-])?(?:@|%40)[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,}"
            }
            Detector::Phone => {
                r"(?:\+|%2[bB])[1-9](?:[ .\-]?\(?\d{1,4}\)?){2,6}(?:[ .\-]?\d{1,4})?"
            }
            Detector::Ipv4 => {
                r"\b(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\b"
            }
            Detector::Ipv6 => {
                r"(?i)(?:[0-9a-f]{1,4}:|::|:)(?:[0-9a-f]{0,4}:){1,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9a-f]{1,4})?"
            }
            Detector::CreditCard => r"\b\d(?:[ \-]?\d){12,18}\b",
            Detector::Jwt => r"\beyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*",
            Detector::ApiToken => concat!(
                r"(?i:\bbearer\s+)[A-Za-z0-9._~+/\-]{8,}=*",
                r"|\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}",
                r"|\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{22,}|\bglpat-[A-Za-z0-9_\-]{20,}",
                r"|\bxox[abprs]-[A-Za-z0-9\-]{10,}",
                r"|\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[0-9A-Z]{16}\b",
                r"|\bAIza[0-9A-Za-z_\-]{35}|\bya29\.[0-9A-Za-z_\-]{20,}",
                r"|\bnpm_[A-Za-z0-9]{36}\b|\bSG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}",
                r"|\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}",
                r"|(?i:\baccountkey=)(?P<v>[A-Za-z0-9+/=]{20,})",
            ),
            Detector::Credential => concat!(
                // Authorization schemes whose value is one token (validated: Basic's decodes
                // to `user:password`, the others are long base64).
                r"(?i:\b(?:basic|negotiate|ntlm)\s+)(?P<v>[A-Za-z0-9+/=]{4,})",
                // Schemes whose value is a parameter list: to the end of the line.
                r"|(?i:\bdigest\s+)(?P<w>(?i:username|realm|nonce|uri|response|cnonce|opaque)\s*=[^\r\n]*)",
                r"|(?i:\baws4-hmac-sha256\s+)(?P<w2>\S[^\r\n]*)",
                // Cookies: to the end of the line.
                r"|(?i:\b(?:set-)?cookie\b\s*[:=]\s*)(?P<x>[^\s\r\n][^\r\n]*)",
                // key = secret, key: secret, "key": "secret".
                r"|(?i:\b(?:[a-z0-9]+[-_.])*(?:password|passwd|pwd|passphrase|secret|api[-_]?key|access[-_]?key|secret[-_]?key|private[-_]?key|auth[-_]?token|access[-_]?token|refresh[-_]?token|id[-_]?token|session[-_]?token|client[-_]?secret|credentials?)\b)",
                r#"["']?\s*[:=]\s*["']?(?P<y>[^\s"',;&)}\]\[][^\s"',;&)}\]]*)"#,
                r#"|(?i:\b(?:password|passwd|passphrase|pwd)\s+(?:is\s+|was\s+|of\s+)?)["'](?P<u>[^"'\s]{1,128})["']"#,
                // user:password@ (or user@) in a URL or connection string.
                r"|\b[a-zA-Z][a-zA-Z0-9+.\-]{1,20}://(?P<z>[^\s/?#@\[\]]+)@",
                // PEM private keys, also cut short or with escaped line breaks.
                r"|-----BEGIN[A-Z ]{0,30} PRIVATE KEY(?: BLOCK)?-----(?:(?s:.*?)-----END[A-Z ]{0,30} PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\]*)",
            ),
            Detector::UrlSecret => {
                r"(?i)[?&#;](?:code|token|access_token|id_token|refresh_token|state|x_state|nonce|password|passwd|secret|client_secret|otp|api_key|apikey|key|sig|signature|login_hint|email|phone|phone_number|username|user|recipient|auth|session|ticket)=(?P<v>[^&#\s]+)"
            }
            Detector::OtpCode => {
                r"(?i)\b(?P<v>\d{4,8}|\d{3}[ \-]\d{3})\b(?:\s+(?:is|was)\s+(?:your|the)\b)|(?i)\b(?:otp|passcode|one[- ]time(?: pass(?:word|code)?| code)?|verification code|security code|login code|code)\b\W{0,3}(?:is\W{0,3})?(?P<w>\d{4,8}|\d{3}[ \-]\d{3})\b"
            }
        }
    }

    /// Extra validation of a candidate match; `v` says whether it is the pattern's group `v`.
    pub(crate) fn validate(self, v: bool, m: &str) -> bool {
        match self {
            // An authorization value: Basic's decodes to `user:password`; Negotiate and NTLM
            // tokens are long (English words after "basic" are not credentials).
            Detector::Credential if v => {
                base64_has_colon(m) || (m.len() >= 20 && m.bytes().any(|b| b.is_ascii_digit()))
            }
            Detector::CreditCard => luhn(m),
            Detector::Ipv6 => {
                let t = m.trim_end_matches(':');
                let t = if t.starts_with(':') && !t.starts_with("::") {
                    &t[1..]
                } else {
                    t
                };
                t.matches(':').count() >= 2
                    && t.bytes().any(|b| b.is_ascii_hexdigit())
                    && (t.parse::<Ipv6Addr>().is_ok() || m.parse::<Ipv6Addr>().is_ok())
            }
            Detector::Ipv4 => m.parse::<Ipv4Addr>().is_ok(),
            Detector::Phone => {
                let digits = m.bytes().filter(u8::is_ascii_digit).count();
                (8..=15).contains(&digits)
            }
            _ => true,
        }
    }
}

/// What one pass over a string's bytes tells about which detectors could match it. Most
/// strings in audit events (ids, timestamps, enum values) rule every detector out, so the
/// regexes run only where they can find something.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Features {
    at: bool,
    plus: bool,
    percent: bool,
    eq: bool,
    query_delim: bool,
    double_colon: bool,
    colons: u32,
    dots: u32,
    digits: u32,
    max_digit_run: u32,
    /// Longest run of digits separated at most by single spaces or dashes.
    max_card_run: u32,
    letters: bool,
    spaces: bool,
    /// Longest run of `-` (PEM armour has five).
    max_dash_run: u32,
}

impl Features {
    pub(crate) fn of(s: &str) -> Features {
        let mut f = Features::default();
        let mut run = 0;
        let mut card = 0;
        let mut dashes = 0;
        let mut prev = 0u8;
        for &b in s.as_bytes() {
            match b {
                b'0'..=b'9' => {
                    dashes = 0;
                    f.digits += 1;
                    run += 1;
                    card += 1;
                    f.max_digit_run = f.max_digit_run.max(run);
                    f.max_card_run = f.max_card_run.max(card);
                }
                _ => {
                    run = 0;
                    if !(matches!(b, b' ' | b'-') && prev.is_ascii_digit()) {
                        card = 0;
                    }
                    if b == b'-' {
                        dashes += 1;
                        f.max_dash_run = f.max_dash_run.max(dashes);
                    } else {
                        dashes = 0;
                    }
                    match b {
                        b' ' | b'\t' | b'\n' | b'\r' => f.spaces = true,
                        b'@' => f.at = true,
                        b'+' => f.plus = true,
                        b'%' => f.percent = true,
                        b'=' => f.eq = true,
                        b'?' | b'&' | b'#' | b';' => f.query_delim = true,
                        b':' => {
                            f.colons += 1;
                            f.double_colon |= prev == b':';
                        }
                        b'.' => f.dots += 1,
                        b'a'..=b'z' | b'A'..=b'Z' => f.letters = true,
                        _ => {}
                    }
                }
            }
            prev = b;
        }
        f
    }

    /// Whether `d` could match a string with these features (no false negatives).
    pub(crate) fn possible(&self, d: Detector) -> bool {
        match d {
            Detector::Email => self.at || self.percent,
            Detector::Phone => (self.plus || self.percent) && self.digits >= 8,
            Detector::Ipv4 => self.dots >= 3 && self.digits >= 4,
            Detector::Ipv6 => self.double_colon || self.colons >= 7,
            Detector::CreditCard => self.max_card_run >= 13,
            Detector::Jwt => self.dots >= 2 && self.letters,
            Detector::ApiToken => self.letters,
            Detector::Credential => {
                self.letters
                    && (self.colons > 0 || self.eq || self.spaces || self.max_dash_run >= 5)
            }
            Detector::UrlSecret => self.eq && self.query_delim,
            Detector::OtpCode => self.max_digit_run >= 3 && self.letters,
        }
    }
}

/// Luhn checksum over the digits of `s` (13 to 19 of them).
pub(crate) fn luhn(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// The capture groups that narrow a match to what is redacted, in the order they are tried
/// (a pattern's alternatives each name their own).
const GROUPS: [&str; 7] = ["v", "w", "w2", "x", "y", "z", "u"];

/// Whether standard base64 text decodes to bytes containing `:` (a Basic credential's
/// `user:password`). Stops at the first byte that is not base64.
fn base64_has_colon(s: &str) -> bool {
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => break,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if (acc >> bits) & 0xff == u32::from(b':') {
                return true;
            }
            acc &= (1 << bits) - 1;
        }
    }
    false
}

/// A compiled value matcher: a built-in detector or a user regex.
#[derive(Debug, Clone)]
pub(crate) struct ValueMatcher {
    pub(crate) detector: Option<Detector>,
    pub(crate) regex: Regex,
}

impl ValueMatcher {
    pub(crate) fn builtin(d: Detector) -> ValueMatcher {
        ValueMatcher {
            detector: Some(d),
            regex: Regex::new(d.pattern()).expect("built-in detector pattern compiles"),
        }
    }

    pub(crate) fn custom(pattern: &str) -> Result<ValueMatcher, regex::Error> {
        Ok(ValueMatcher {
            detector: None,
            regex: Regex::new(pattern)?,
        })
    }

    /// Byte ranges to redact in `s`, in order, non-overlapping.
    pub(crate) fn find(&self, s: &str, out: &mut Vec<(usize, usize)>) {
        for caps in self.regex.captures_iter(s) {
            let whole = caps.get(0).expect("group 0");
            let part = GROUPS
                .into_iter()
                .find_map(|g| caps.name(g))
                .unwrap_or(whole);
            if part.is_empty() {
                continue;
            }
            if let Some(d) = self.detector {
                if !d.validate(caps.name("v").is_some(), part.as_str()) {
                    continue;
                }
            }
            out.push((part.start(), part.end()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(d: Detector, s: &str) -> Vec<String> {
        let m = ValueMatcher::builtin(d);
        let mut v = Vec::new();
        m.find(s, &mut v);
        v.into_iter().map(|(a, b)| s[a..b].to_owned()).collect()
    }

    #[test]
    fn emails_plain_encoded_and_in_text() {
        assert_eq!(
            hits(Detector::Email, "mail Zoë.O'Neil+x@mail.example.co.uk now").len(),
            1
        );
        assert_eq!(
            hits(
                Detector::Email,
                "https://x/cb?login_hint=alice%40example.com&a=1"
            ),
            vec!["login_hint=alice%40example.com".split('=').nth(1).unwrap()]
        );
        assert_eq!(
            hits(Detector::Email, "a.b-c@sub.example.org"),
            vec!["a.b-c@sub.example.org"]
        );
        assert!(hits(Detector::Email, "no at sign here, or @handle").is_empty());
        assert!(
            hits(Detector::Email, "r***@example.com").is_empty(),
            "partial masks are not re-matched"
        );
    }

    #[test]
    fn phones() {
        for p in [
            "+447700900123",
            "+1 (415) 555-0101",
            "+61 491 570 156",
            "%2B447700900123",
            "+49-30-1234567",
        ] {
            assert_eq!(hits(Detector::Phone, p).len(), 1, "{p}");
        }
        assert_eq!(
            hits(Detector::Phone, "call +852 9123 4567 today"),
            vec!["+852 9123 4567"]
        );
        assert!(hits(Detector::Phone, "version 1.2.3 +5").is_empty());
    }

    #[test]
    fn ip_addresses() {
        assert_eq!(
            hits(Detector::Ipv4, "from 203.0.113.7:443"),
            vec!["203.0.113.7"]
        );
        assert!(hits(Detector::Ipv4, "999.1.1.1").is_empty());
        for ip in [
            "2001:db8::1",
            "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
            "fe80::1ff:fe23:4567:890a",
            "::ffff:192.0.2.128",
        ] {
            assert_eq!(
                hits(Detector::Ipv6, &format!("ip {ip} x")),
                vec![ip],
                "{ip}"
            );
        }
        assert!(hits(Detector::Ipv6, "at 12:30:45 on 2025-06-02T00:00:00Z").is_empty());
        assert!(
            hits(Detector::Ipv6, "a::b is not an address? std::net::Ipv6Addr")
                .iter()
                .all(|h| h.parse::<Ipv6Addr>().is_ok())
        );
    }

    #[test]
    fn cards_need_luhn() {
        assert_eq!(
            hits(Detector::CreditCard, "card 4111 1111 1111 1111 ok"),
            vec!["4111 1111 1111 1111"]
        );
        assert_eq!(
            hits(Detector::CreditCard, "4111-1111-1111-1111"),
            vec!["4111-1111-1111-1111"]
        );
        assert_eq!(
            hits(Detector::CreditCard, "5500005555555559"),
            vec!["5500005555555559"]
        );
        assert!(hits(Detector::CreditCard, "4111 1111 1111 1112").is_empty());
        assert!(hits(Detector::CreditCard, "seq 6140894").is_empty());
    }

    #[test]
    fn tokens_and_url_secrets() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl";
        assert_eq!(hits(Detector::Jwt, &format!("token={jwt}")), vec![jwt]);
        assert_eq!(
            hits(
                Detector::ApiToken,
                "Authorization: Bearer abcDEF123456789xyz"
            )
            .len(),
            1
        );
        assert_eq!(
            hits(Detector::ApiToken, "key sk_live_abcdefghijklmnop").len(),
            1
        );
        assert_eq!(
            hits(
                Detector::UrlSecret,
                "https://h/authflow/v2/reset_password?code=FCV6INOZ4CAFLWPC&x=1&state=abc"
            ),
            vec!["FCV6INOZ4CAFLWPC", "abc"]
        );
        assert!(hits(
            Detector::UrlSecret,
            "https://h/oauth2/authorize?client_id=abc&ui_locales=en"
        )
        .is_empty());
    }

    #[test]
    fn credentials_in_text() {
        let basic = "Basic YWxpY2U6czNjcjN0LXBhc3M="; // alice:s3cr3t-pass
        assert_eq!(
            hits(Detector::Credential, &format!("Authorization: {basic}")),
            vec!["YWxpY2U6czNjcjN0LXBhc3M="]
        );
        assert_eq!(
            hits(
                Detector::Credential,
                r#"Authorization: Digest username="bob", realm="api", response="6629fae4""#
            ),
            vec![r#"username="bob", realm="api", response="6629fae4""#]
        );
        assert_eq!(
            hits(
                Detector::Credential,
                "Cookie: session=9f8e7d6c; theme=dark\nnext line"
            ),
            vec!["session=9f8e7d6c; theme=dark"]
        );
        for (text, secret) in [
            ("db password=hunter2 rejected", "hunter2"),
            (r#"{"client_secret": "cs_9XkQ2"}"#, "cs_9XkQ2"),
            (
                "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG",
                "wJalrXUtnFEMI/K7MDENG",
            ),
            ("X-Api-Key: 5f2b9c1e7a", "5f2b9c1e7a"),
            (
                "connect postgres://app_user:Pa55w0rd!@db.internal:5432/app",
                "app_user:Pa55w0rd!",
            ),
            ("amqp://guest:guest@rabbit/", "guest:guest"),
            ("login failed with password 'c2$yMd.B8' for", "c2$yMd.B8"),
        ] {
            assert_eq!(hits(Detector::Credential, text), vec![secret], "{text}");
        }
        let pem =
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1x\n-----END RSA PRIVATE KEY-----";
        assert_eq!(
            hits(Detector::Credential, &format!("key: {pem} end")).len(),
            1
        );
        assert!(hits(Detector::Credential, &format!("k {pem} end"))[0].contains("MIIEow"));
        let cut = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC";
        assert_eq!(hits(Detector::Credential, cut), vec![cut]);
        // Ordinary text is left alone.
        for text in [
            "basic settings updated",
            "Basic information page",
            "Sending daily digest to 300 users",
            "password reset email sent",
            "cookie consent banner shown",
            "token expired for session",
            "https://example.com/path?x=1",
        ] {
            assert!(hits(Detector::Credential, text).is_empty(), "{text}");
        }
        // Masked output is not matched again.
        assert!(hits(Detector::Credential, "password=[REDACTED]").is_empty());
    }

    #[test]
    fn cloud_and_service_keys() {
        for key in [
            "AKIAIOSFODNN7EXAMPLE",
            "ASIAY34FZKBOKMUTVV7A",
            "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
            "glpat-abcdefghij1234567890",
            "sk-proj-abcdefghijklmnopqrstuvwx",
        ] {
            assert_eq!(
                hits(Detector::ApiToken, &format!("key {key} used")),
                vec![key],
                "{key}"
            );
        }
        assert_eq!(
            hits(
                Detector::ApiToken,
                "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Zm9vYmFyYmF6cXV4cXV1eA==;"
            ),
            vec!["Zm9vYmFyYmF6cXV4cXV1eA=="]
        );
    }

    #[test]
    fn emails_in_quotes_keep_their_quotes() {
        assert_eq!(
            hits(Detector::Email, "WHERE email='x.y@example.com' AND"),
            vec!["x.y@example.com"]
        );
        assert_eq!(
            hits(Detector::Email, "mail O'Neil@example.ie"),
            vec!["O'Neil@example.ie"]
        );
    }

    #[test]
    fn otp_codes_only_in_context() {
        assert_eq!(
            hits(
                Detector::OtpCode,
                "135636 is your Umbrella Health verification code."
            ),
            vec!["135636"]
        );
        assert_eq!(hits(Detector::OtpCode, "Your OTP: 4829"), vec!["4829"]);
        assert_eq!(
            hits(Detector::OtpCode, "verification code is 123 456"),
            vec!["123 456"]
        );
        assert!(hits(Detector::OtpCode, "order 135636 shipped").is_empty());
    }

    #[test]
    fn prefilters_never_hide_a_match() {
        let samples = [
            "mail Zoë.O'Neil+x@mail.example.co.uk now",
            "https://x/cb?login_hint=alice%40example.com&a=1",
            "+1 (415) 555-0101",
            "%2B447700900123",
            "from 203.0.113.7:443",
            "ip 2001:db8::1 x",
            "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
            "card 4111 1111 1111 1111 ok",
            "token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl",
            "Authorization: Bearer abcDEF123456789xyz",
            "key sk_live_abcdefghijklmnop",
            "AKIAABCDEFGHIJKLMNOP",
            "https://h/reset?code=FCV6INOZ4CAFLWPC",
            "135636 is your verification code.",
            "Authorization: Basic YWxpY2U6czNjcjN0LXBhc3M=",
            "Basic YWxpY2U6czNjcjN0LXBhc3M=",
            "postgres://u:p@h/db",
            "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
            "password=hunter2",
            "verification code is 123 456",
            "3099fdf5-ab99-454a-a901-e35cd47d380d",
            "2025-05-05T16:43:27.699087Z",
        ];
        for s in samples {
            let f = Features::of(s);
            for d in Detector::ALL {
                let found = !hits(d, s).is_empty();
                assert!(
                    !found || f.possible(d),
                    "{d:?} matches {s:?} but the prefilter says no"
                );
            }
        }
        // And the common strings are ruled out for the costly detectors.
        let f = Features::of("2025-05-05T16:43:27.699087Z");
        assert!(
            !f.possible(Detector::Ipv6)
                && !f.possible(Detector::Email)
                && !f.possible(Detector::CreditCard)
        );
    }

    #[test]
    fn luhn_known_values() {
        assert!(luhn("4111111111111111"));
        assert!(luhn("378282246310005"));
        assert!(!luhn("4111111111111112"));
        assert!(!luhn("12345"));
    }
}
