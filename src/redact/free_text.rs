//! Free-text detectors: person names, street addresses, user names and user agents inside
//! prose such as `"Card declined for José Moreau"` or `"Failed login for linh_gon2756 (ua=...)"`.
//!
//! Unlike the value detectors of [`super::detect`], which look for values with a shape of their
//! own (an email, a card number), these look for values that only context reveals, so each
//! finder is hand-written code over the string's words rather than one regex, and each is
//! opt-in: they cost more and they can be wrong.
//!
//! # How each finder decides
//!
//! * [`FreeTextKind::PersonName`]: a **gazetteer** of given names and surnames shipped with the
//!   crate (`data/given_names.txt`, `data/surnames.txt`, international Latin script, accents
//!   kept, compared case-insensitively) plus three patterns over *Capitalized words* (an upper
//!   case letter, then lower case; `O'Neil`, `McDonald`, `Okonkwo-Baptiste` count; ALL-CAPS,
//!   CamelCase, words glued to `/`, `.`, `_`, `=`, `@` or digits do not):
//!   1. a salutation (`Mr`, `Mrs`, `Ms`, `Mx`, `Dr`, `Prof`, `Sir`, `Madam`, `Miss`, with or
//!      without a dot) and the 1 to 3 Capitalized words after it;
//!   2. a cue (`for`, `by`, `from`, `to`, `customer`, `user`, `dear`, `name:`, `holder`,
//!      `cardholder`, `signed in as`, `invited`, `contact`, `patient`, `employee`, ...) and the
//!      1 to 3 Capitalized words after it, when one of them is in the gazetteer;
//!   3. a bare pair: a gazetteer given name and a Capitalized word after it, or a Capitalized
//!      word (not the first of a sentence) and a gazetteer surname after it, extended to 3
//!      words; lower-case particles (`de`, `van`, `da`, `al`, `bin`, ...) may join the words.
//!
//!   Stop words are never part of a name: month and day names, technology products (`Chrome`,
//!   `Linux`, `Kafka`, ...) and common log vocabulary (`Error`, `Service`, `Request`, ...).
//!   The name lists leave out names that are ordinary English or log words (`Will`, `May`,
//!   `Mark`, `Grace`, `Ruby`, `Robin`, `Hunter`, `Long`, `Black`, `Hill`, `Park`, `Song`,
//!   `Jenkins`, `Jackson`, `Hudson`, place names such as `Austin`, `Jordan`, `Paris`, and
//!   one- or two-letter romanizations such as `Li`, `Le`, `Do`, `He`), trading their recall for
//!   false positives on ordinary lines.
//! * [`FreeTextKind::StreetAddress`]: a house number, 1 to 4 words and a street suffix
//!   (`Street`, `St`, `Ave`, `Road`, `Straße`, `Laan`, ...), or a prefix form (`12 Rue des
//!   Lilas`, `Calle Mayor 5`, `Via Roma 12`), or a German/Dutch compound (`Hauptstraße 5`,
//!   `Kerkstraat 12`); optionally a unit (`Apt 4B`, `Suite 200`, `#12`), a city and a
//!   postcode. Postcodes alone count only in an address context: after `postcode`, `zip`,
//!   `postal code` or `City, ST` (a US state abbreviation), or UK and Canadian shapes after a
//!   `City,`.
//! * [`FreeTextKind::Username`]: after a cue (`user`, `username`, `login for`, `account`,
//!   `handle`, `signed in as`, ...), a token of `[A-Za-z0-9._-]` with a letter and a digit,
//!   `_` or `.` in it; after an assignment (`user=`, `username: "..."`) any such token that is
//!   not a common word. Never a part of an email, a pseudonym (`hmac:...`), a number, a UUID or
//!   a common word (`not`, `found`, `admin`, `root`, ...).
//! * [`FreeTextKind::UserAgent`]: `Mozilla/5.0 (...) ...`, `Dalvik/...`, `Opera/...`, a
//!   well-known client (`curl/8.4.0`, `okhttp/4.12.0`, `python-requests/2.31.0`, ...), any
//!   chain of two or more `product/version` tokens (`MyApp/3.2 CFNetwork/1408 Darwin/22.5.0`),
//!   or one after a `ua=`/`User-Agent:` cue: the whole chain of product tokens and
//!   parenthesized comments, up to the last product token.
//!
//! # Known limits
//!
//! Names outside the gazetteer are found only after a salutation, or after a cue next to a
//! gazetteer name; lower-case names (`josé moreau`) and names in non-Latin scripts are not found;
//! a name of a product, a company or a place that is also a person's name (`Ford`, `Victoria`)
//! may be redacted next to a cue. Addresses without a house number and postcodes without
//! context are not found. User names without a digit, `_` or `.` after a plain cue (`user jdoe`)
//! are not found. The evaluation in this file's tests measures all of this on a generated
//! corpus.

use std::sync::OnceLock;

use regex::Regex;
use rustc_hash::FxHashSet;

/// A free-text detector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum FreeTextKind {
    /// Person names.
    PersonName,
    /// Street addresses and postcodes in an address context.
    StreetAddress,
    /// User names (login handles) after a cue.
    Username,
    /// HTTP user agents.
    UserAgent,
}

impl FreeTextKind {
    /// Every free-text detector.
    #[allow(dead_code)]
    pub(crate) const ALL: [FreeTextKind; 4] = [
        FreeTextKind::PersonName,
        FreeTextKind::StreetAddress,
        FreeTextKind::Username,
        FreeTextKind::UserAgent,
    ];

    /// Byte ranges to redact, in order, non-overlapping, on char boundaries.
    #[allow(dead_code)]
    pub(crate) fn find(self, s: &str, out: &mut Vec<(usize, usize)>) {
        if !self.possible(s) {
            return;
        }
        let start = out.len();
        match self {
            FreeTextKind::PersonName => find_names(s, out),
            FreeTextKind::StreetAddress => find_addresses(s, out),
            FreeTextKind::Username => find_usernames(s, out),
            FreeTextKind::UserAgent => find_user_agents(s, out),
        }
        normalize_tail(out, start);
    }

    /// Cheap prefilter: false only if `find` would find nothing.
    #[allow(dead_code)]
    pub(crate) fn possible(self, s: &str) -> bool {
        let b = s.as_bytes();
        match self {
            // Every name starts with an upper-case letter (ASCII or not).
            FreeTextKind::PersonName => b.iter().any(|&c| c.is_ascii_uppercase() || c >= 0xC0),
            // Every address and postcode has a digit and a letter.
            FreeTextKind::StreetAddress => {
                b.iter().any(u8::is_ascii_digit) && b.iter().any(u8::is_ascii_alphabetic)
            }
            FreeTextKind::Username => USERNAME_CUE_WORDS
                .iter()
                .any(|w| contains_ignore_ascii_case(b, w.as_bytes())),
            // Every user agent has a `product/version` token.
            FreeTextKind::UserAgent => b.windows(2).any(|w| w[0] == b'/' && w[1].is_ascii_digit()),
        }
    }
}

/// Sorts and merges the overlapping ranges of `out[start..]`.
fn normalize_tail(out: &mut Vec<(usize, usize)>, start: usize) {
    let mut found: Vec<(usize, usize)> = out.drain(start..).collect();
    found.sort_unstable();
    for (a, b) in found {
        if a >= b {
            continue;
        }
        match out[start..].last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
}

fn contains_ignore_ascii_case(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len()
        && hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

// ---------------------------------------------------------------------------------------------
// Gazetteer and word lists.

struct Gazetteer {
    given: FxHashSet<Box<str>>,
    surname: FxHashSet<Box<str>>,
    stop: FxHashSet<&'static str>,
}

fn gazetteer() -> &'static Gazetteer {
    static G: OnceLock<Gazetteer> = OnceLock::new();
    G.get_or_init(|| {
        let lower = |text: &'static str| -> FxHashSet<Box<str>> {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| l.to_lowercase().into_boxed_str())
                .collect()
        };
        Gazetteer {
            given: lower(include_str!("data/given_names.txt")),
            surname: lower(include_str!("data/surnames.txt")),
            stop: STOP_WORDS.iter().copied().collect(),
        }
    })
}

/// Capitalized words that are never part of a name (compared lower-cased).
const STOP_WORDS: &[&str] = &[
    // Months and days.
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
    "today",
    "tomorrow",
    "yesterday",
    // Technology products and vendors.
    "chrome",
    "chromium",
    "safari",
    "firefox",
    "edge",
    "opera",
    "brave",
    "linux",
    "windows",
    "android",
    "ios",
    "macos",
    "darwin",
    "ubuntu",
    "debian",
    "centos",
    "fedora",
    "alpine",
    "java",
    "python",
    "ruby",
    "perl",
    "php",
    "kotlin",
    "swift",
    "scala",
    "golang",
    "rust",
    "node",
    "deno",
    "redis",
    "kafka",
    "postgres",
    "postgresql",
    "mysql",
    "mariadb",
    "mongodb",
    "oracle",
    "cassandra",
    "elasticsearch",
    "elastic",
    "kibana",
    "logstash",
    "grafana",
    "prometheus",
    "jaeger",
    "zipkin",
    "docker",
    "kubernetes",
    "helm",
    "nginx",
    "apache",
    "tomcat",
    "jetty",
    "spring",
    "django",
    "flask",
    "rails",
    "express",
    "celery",
    "sidekiq",
    "rabbitmq",
    "zookeeper",
    "consul",
    "vault",
    "terraform",
    "ansible",
    "jenkins",
    "github",
    "gitlab",
    "bitbucket",
    "jira",
    "confluence",
    "slack",
    "teams",
    "zoom",
    "google",
    "microsoft",
    "amazon",
    "aws",
    "azure",
    "gcp",
    "apple",
    "iphone",
    "ipad",
    "mac",
    "macbook",
    "samsung",
    "galaxy",
    "pixel",
    "huawei",
    "xiaomi",
    "okta",
    "stripe",
    "paypal",
    "visa",
    "mastercard",
    "amex",
    "twilio",
    "sendgrid",
    "mailgun",
    "cloudflare",
    "akamai",
    "fastly",
    "heroku",
    "vercel",
    "netlify",
    "mozilla",
    "gecko",
    "webkit",
    "applewebkit",
    "khtml",
    "mobile",
    "desktop",
    "openssl",
    "envoy",
    "istio",
    "traefik",
    "haproxy",
    "keycloak",
    "auth0",
    "cognito",
    "lambda",
    "dynamodb",
    "bigquery",
    "snowflake",
    "airflow",
    "spark",
    "hadoop",
    "hive",
    "flink",
    "presto",
    "trino",
    "clickhouse",
    "sentry",
    "datadog",
    "splunk",
    "newrelic",
    "opentelemetry",
    "otel",
    "otlp",
    "grpc",
    "protobuf",
    "graphql",
    "hibernate",
    "netty",
    "tokio",
    "hyper",
    "axum",
    "actix",
    "rocket",
    "gunicorn",
    "uvicorn",
    "puma",
    "unicorn",
    "passenger",
    "phusion",
    "chromeos",
    "tizen",
    "roku",
    // Log vocabulary.
    "error",
    "errors",
    "warning",
    "warn",
    "info",
    "debug",
    "trace",
    "fatal",
    "critical",
    "exception",
    "failed",
    "failure",
    "success",
    "succeeded",
    "service",
    "services",
    "server",
    "client",
    "request",
    "response",
    "timeout",
    "connection",
    "reset",
    "peer",
    "user",
    "users",
    "account",
    "accounts",
    "order",
    "orders",
    "payment",
    "payments",
    "card",
    "invoice",
    "customer",
    "customers",
    "admin",
    "system",
    "api",
    "http",
    "https",
    "get",
    "post",
    "put",
    "delete",
    "patch",
    "head",
    "options",
    "status",
    "code",
    "message",
    "event",
    "job",
    "task",
    "worker",
    "queue",
    "cluster",
    "pod",
    "container",
    "deployment",
    "namespace",
    "config",
    "configuration",
    "database",
    "db",
    "table",
    "query",
    "index",
    "cache",
    "session",
    "token",
    "login",
    "logout",
    "signup",
    "password",
    "email",
    "phone",
    "address",
    "street",
    "city",
    "country",
    "state",
    "region",
    "zone",
    "team",
    "group",
    "org",
    "organization",
    "company",
    "inc",
    "ltd",
    "llc",
    "corp",
    "gmbh",
    "plc",
    "support",
    "help",
    "desk",
    "ticket",
    "case",
    "issue",
    "bug",
    "incident",
    "alert",
    "report",
    "manager",
    "controller",
    "handler",
    "provider",
    "factory",
    "adapter",
    "module",
    "component",
    "the",
    "a",
    "an",
    "and",
    "or",
    "of",
    "in",
    "on",
    "at",
    "with",
    "without",
    "new",
    "old",
    "default",
    "true",
    "false",
    "null",
    "none",
    "unknown",
    "anonymous",
    "guest",
    "test",
    "demo",
    "example",
    "sample",
    "dear",
    "hello",
    "hi",
    "thanks",
    "regards",
    "best",
    "staff",
    "department",
    "office",
    "hospital",
    "clinic",
    "bank",
    "university",
    "school",
    "airport",
    "station",
    "hotel",
    "center",
    "centre",
    "avenue",
    "road",
    "lane",
    "drive",
    "boulevard",
    "suite",
    "apt",
    "unit",
    "floor",
    "building",
    "north",
    "south",
    "east",
    "west",
    "central",
    "san",
    "santa",
    "saint",
    "st",
    "new",
    "los",
    "las",
    "fort",
    "port",
    "mount",
    "lake",
    "upper",
    "lower",
    "great",
    "little",
    "mr",
    "mrs",
    "ms",
    "mx",
    "dr",
    "prof",
    "sir",
    "madam",
    "miss",
    "retry",
    "retrying",
    "started",
    "starting",
    "stopped",
    "stopping",
    "shutdown",
    "ready",
    "healthy",
    "unhealthy",
    "running",
    "pending",
    "completed",
    "created",
    "updated",
    "deleted",
    "denied",
    "granted",
    "allowed",
    "blocked",
    "invalid",
    "valid",
    "expired",
    "missing",
    "found",
    "not",
    "no",
    "yes",
    "ok",
    "done",
    "sent",
    "received",
    "queued",
    "scheduled",
    "cancelled",
    "canceled",
    "refunded",
    "declined",
    "approved",
    "shipped",
    "delivered",
    "returned",
    "opened",
    "closed",
    "resolved",
    "assigned",
    "escalated",
    "internal",
    "external",
    "public",
    "private",
    "global",
    "local",
    "primary",
    "secondary",
    "master",
    "replica",
    "leader",
    "follower",
    "backup",
    "restore",
    "migration",
    "schema",
    "version",
    "release",
    "build",
    "commit",
    "branch",
    "tag",
    "image",
    "volume",
    "disk",
    "memory",
    "cpu",
    "network",
    "gateway",
    "proxy",
    "router",
    "balancer",
    "ingress",
    "egress",
    "firewall",
    "policy",
    "role",
    "permission",
    "scope",
    "tenant",
    "project",
    "workspace",
    "environment",
    "production",
    "staging",
    "development",
    "dev",
    "prod",
    "qa",
    "uat",
    "health",
    "check",
    "checks",
    "metrics",
    "logs",
    "traces",
    "spans",
    "billing",
    "checkout",
    "cart",
    "shipping",
    "delivery",
    "warehouse",
    "inventory",
    "catalog",
    "product",
    "products",
    "price",
    "discount",
    "coupon",
    "subscription",
    "plan",
    "premium",
    "free",
    "trial",
    "basic",
    "pro",
    "enterprise",
    "business",
    "personal",
    "notification",
    "notifications",
    "webhook",
    "webhooks",
    "scheduler",
    "cron",
    "batch",
    "stream",
    "pipeline",
    "exporter",
    "collector",
    "agent",
    "sdk",
    "cli",
    "ui",
    "web",
    "app",
    "application",
    "portal",
    "dashboard",
    "console",
    "terminal",
    "shell",
];

/// Salutations before a name (compared lower-cased, a trailing dot removed).
const SALUTATIONS: &[&str] = &[
    "mr", "mrs", "ms", "mx", "dr", "prof", "sir", "madam", "miss", "mme", "mlle", "herr", "frau",
    "señor", "señora", "sr", "sra", "dott", "signor", "signora",
];

/// Words after which Capitalized words with a gazetteer name are a name.
const NAME_CUES: &[&str] = &[
    "for",
    "by",
    "from",
    "to",
    "customer",
    "user",
    "dear",
    "holder",
    "cardholder",
    "invited",
    "contact",
    "patient",
    "employee",
    "hi",
    "hello",
    "member",
    "recipient",
    "owner",
    "assignee",
    "agent",
    "requester",
    "reporter",
    "applicant",
    "guest",
    "passenger",
    "client",
    "driver",
    "courier",
    "tenant",
    "manager",
    "with",
    "cc",
    "attn",
    "attention",
    "via",
    "buyer",
    "seller",
    "payer",
    "payee",
    "beneficiary",
    "sender",
    "named",
    "called",
];

/// Lower-case particles inside a name (`Ana de la Cruz`, `Ludwig van Beethoven`).
const PARTICLES: &[&str] = &[
    "de", "del", "della", "der", "den", "di", "da", "dos", "das", "do", "du", "la", "le", "van",
    "von", "ter", "ten", "y", "al", "el", "bin", "ibn", "bint", "ben", "af", "zu",
];

// ---------------------------------------------------------------------------------------------
// Words.

/// A whitespace- or `=`-separated chunk of the string, stripped of surrounding punctuation.
#[derive(Debug, Clone, Copy)]
struct Word<'a> {
    /// Byte range of the stripped core.
    start: usize,
    end: usize,
    text: &'a str,
    /// The core is made of letters, apostrophes and hyphens.
    alpha: bool,
    /// Punctuation before the core (`(`, a quote).
    lead: bool,
    /// Punctuation after the core, if any (its first char).
    trail: Option<char>,
    /// The core is followed directly by `=`.
    eq_after: bool,
    /// The first word of the string or of a sentence.
    sentence_start: bool,
}

const LEAD_PUNCT: &[char] = &['(', '[', '{', '<', '"', '\'', '«', '“', '‘', '¿', '¡', '`'];
const TRAIL_PUNCT: &[char] = &[
    '.', ',', ';', ':', '!', '?', ')', ']', '}', '>', '"', '\'', '»', '”', '’', '`',
];

fn words<'a>(s: &'a str, out: &mut Vec<Word<'a>>) {
    out.clear();
    let mut prev_end_sentence = true;
    let mut chunk_start = None;
    let bytes = s.as_bytes();
    let push = |a: usize, b: usize, out: &mut Vec<Word<'a>>, prev_end: &mut bool| {
        let chunk = &s[a..b];
        let core_l = chunk.trim_start_matches(LEAD_PUNCT);
        let lead = core_l.len() != chunk.len();
        let core = core_l.trim_end_matches(TRAIL_PUNCT);
        let start = a + (chunk.len() - core_l.len());
        let end = start + core.len();
        let trail = core_l[core.len()..].chars().next();
        let alpha = !core.is_empty()
            && core.chars().next().is_some_and(char::is_alphabetic)
            && core
                .chars()
                .all(|c| c.is_alphabetic() || c == '\'' || c == '’' || c == '-')
            && !core.ends_with(['-', '\'', '’']);
        out.push(Word {
            start,
            end,
            text: core,
            alpha,
            lead,
            trail,
            eq_after: bytes.get(b) == Some(&b'='),
            sentence_start: *prev_end,
        });
        *prev_end = matches!(trail, Some('.' | '!' | '?' | ':'))
            || (core.is_empty() && chunk.ends_with(['.', '!', '?', '|', '-', '—']));
    };
    for (i, c) in s.char_indices() {
        if c.is_whitespace() || c == '=' {
            if let Some(a) = chunk_start.take() {
                push(a, i, out, &mut prev_end_sentence);
            }
        } else if chunk_start.is_none() {
            chunk_start = Some(i);
        }
    }
    if let Some(a) = chunk_start {
        push(a, s.len(), out, &mut prev_end_sentence);
    }
}

/// Whether a word is Capitalized like a name: `José`, `O'Neil`, `McDonald`, `Okonkwo-Baptiste`;
/// not `ALLCAPS`, `CamelCase` or `lower`.
fn is_capitalized(w: &str) -> bool {
    let mut segs = w.split(['-', '\'', '’']).peekable();
    let mut any_lower = false;
    let mut first = true;
    let apostrophe_follows = |rest: &str| rest.starts_with(['\'', '’']);
    let mut offset = 0;
    while let Some(seg) = segs.next() {
        offset += seg.len();
        let rest = &w[offset..];
        let mut chars = seg.chars();
        let Some(c0) = chars.next() else {
            return false;
        };
        if !c0.is_uppercase() {
            return false;
        }
        let tail = chars.as_str();
        if tail.is_empty() {
            // `O'`, `D'`: a one-letter segment only before an apostrophe.
            if !(first && apostrophe_follows(rest)) {
                return false;
            }
        } else {
            let mut uppers = tail.char_indices().filter(|(_, c)| c.is_uppercase());
            if let Some((i, _)) = uppers.next() {
                let prefix = &seg[..c0.len_utf8() + i];
                if uppers.next().is_some()
                    || !matches!(
                        prefix,
                        "Mc" | "Mac" | "De" | "Di" | "Da" | "La" | "Le" | "Van" | "Du"
                    )
                    || seg.len() - prefix.len() < 3
                {
                    return false;
                }
            }
            if !tail.chars().all(|c| c.is_alphabetic()) {
                return false;
            }
            any_lower |= tail.chars().any(char::is_lowercase);
        }
        first = false;
        if segs.peek().is_some() {
            // Skip the separator.
            offset += w[offset..].chars().next().map_or(0, char::len_utf8);
        }
    }
    any_lower
}

// ---------------------------------------------------------------------------------------------
// Person names.

struct NameCtx<'a, 'w> {
    g: &'static Gazetteer,
    words: &'w [Word<'a>],
    lower: String,
}

impl NameCtx<'_, '_> {
    fn lower_of(&mut self, i: usize) -> &str {
        self.lower.clear();
        for c in self.words[i].text.chars() {
            self.lower.extend(c.to_lowercase());
        }
        self.lower.as_str()
    }

    /// A Capitalized word that is not a stop word.
    fn name_like(&mut self, i: usize) -> bool {
        let w = self.words[i];
        w.alpha && w.text.len() >= 2 && is_capitalized(w.text) && {
            let g = self.g;
            !g.stop.contains(self.lower_of(i))
        }
    }

    fn in_given(&mut self, i: usize) -> bool {
        let g = self.g;
        g.given.contains(self.lower_of(i))
    }

    fn in_surname(&mut self, i: usize) -> bool {
        let g = self.g;
        g.surname.contains(self.lower_of(i))
    }

    fn in_gazetteer(&mut self, i: usize) -> bool {
        self.in_given(i) || self.in_surname(i)
    }

    fn is_particle(&mut self, i: usize) -> bool {
        let w = self.words[i];
        w.alpha && PARTICLES.contains(&w.text)
    }

    /// The run of up to 3 name words from `i` (particles may join them): the index of its
    /// last word and the indexes of its name words.
    fn run(&mut self, i: usize, names: &mut Vec<usize>) -> Option<usize> {
        names.clear();
        let mut last = None;
        let mut k = i;
        while k < self.words.len() {
            let w = self.words[k];
            if k > i && w.lead {
                break;
            }
            if self.name_like(k) {
                names.push(k);
                last = Some(k);
                if w.trail.is_some() || w.eq_after || names.len() == 3 {
                    break;
                }
            } else if !names.is_empty()
                && w.trail.is_none()
                && self.is_particle(k)
                && k + 1 < self.words.len()
                && !self.words[k + 1].lead
                && (self.name_like(k + 1) || self.is_particle(k + 1))
            {
                // A particle between name words.
            } else {
                break;
            }
            k += 1;
        }
        last
    }

    /// Whether a cue starts at word `i`: the index of the first word after it.
    fn cue_at(&mut self, i: usize) -> Option<usize> {
        let w = self.words[i];
        if !w.alpha {
            return None;
        }
        let lower = self.lower_of(i).to_owned();
        let next = i + 1;
        if next >= self.words.len() {
            return None;
        }
        let cue_trail_ok = matches!(w.trail, None | Some(':')) || w.eq_after;
        if lower == "name" || lower == "fullname" || lower == "full_name" {
            return (w.trail == Some(':') || w.eq_after).then_some(next);
        }
        if (lower == "signed" || lower == "logged")
            && i + 3 < self.words.len()
            && self.words[i + 1].text.eq_ignore_ascii_case("in")
            && self.words[i + 2].text.eq_ignore_ascii_case("as")
            && self.words[i + 2].trail.is_none()
        {
            return Some(i + 3);
        }
        (cue_trail_ok && NAME_CUES.contains(&lower.as_str())).then_some(next)
    }

    fn is_salutation(&mut self, i: usize) -> bool {
        let w = self.words[i];
        w.alpha
            && w.text.chars().next().is_some_and(char::is_uppercase)
            && matches!(w.trail, None | Some('.'))
            && !w.eq_after
            && {
                let l = self.lower_of(i);
                SALUTATIONS.contains(&l)
            }
    }
}

fn find_names(s: &str, out: &mut Vec<(usize, usize)>) {
    let mut ws: Vec<Word<'_>> = Vec::new();
    words(s, &mut ws);
    let mut ctx = NameCtx {
        g: gazetteer(),
        words: &ws,
        lower: String::new(),
    };
    let mut names = Vec::with_capacity(4);
    let n = ws.len();
    let mut i = 0;
    while i < n {
        // 1. A salutation and the Capitalized words after it.
        if ctx.is_salutation(i) && i + 1 < n && !ws[i + 1].lead {
            if let Some(last) = ctx.run(i + 1, &mut names) {
                out.push((ws[i + 1].start, ws[last].end));
                i = last + 1;
                continue;
            }
        }
        // 2. A cue and Capitalized words with a gazetteer name among them.
        if let Some(j) = ctx.cue_at(i) {
            if let Some(last) = ctx.run(j, &mut names) {
                let hit = names.clone().into_iter().any(|k| ctx.in_gazetteer(k));
                if hit {
                    out.push((ws[j].start, ws[last].end));
                    i = last + 1;
                    continue;
                }
            }
        }
        // 3. A bare pair: a given name and a Capitalized word, or a Capitalized word and a
        //    surname.
        if i + 1 < n && ws[i].trail.is_none() && !ws[i].eq_after && ctx.name_like(i) {
            let pair = if ctx.in_given(i) {
                true
            } else {
                !ws[i].sentence_start
                    && !ws[i + 1].lead
                    && ctx.name_like(i + 1)
                    && ctx.in_surname(i + 1)
            };
            if pair {
                if let Some(last) = ctx.run(i, &mut names) {
                    if names.len() >= 2 {
                        out.push((ws[i].start, ws[last].end));
                        i = last + 1;
                        continue;
                    }
                }
            }
        }
        i += 1;
    }
}

// ---------------------------------------------------------------------------------------------
// Street addresses.

/// US state, territory and Canadian province abbreviations.
const STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC", "PR", "GU", "VI", "AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE",
    "QC", "SK", "YT",
];

fn address_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let num = r"\b\d{1,5}[A-Za-z]?(?:[-/]\d{1,5}[A-Za-z]?)?";
        let word = r"(?:[\p{Lu}][\p{L}'’.\-]*|\d{1,3}(?:st|nd|rd|th)|[NSEW]\.?)";
        let suffix = r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Close|Square|Sq|Crescent|Highway|Hwy|Parkway|Pkwy|Circle|Cir|Gardens|Grove|Mews|Row|Straße|Strasse|Str|Laan|Weg)\b\.?";
        let particle = r"(?:(?:de|des|du|la|le|les|del|della|delle|di|da|do|dos|das|d'|l'|van|der|den)\s*)";
        let prefix_street = r"(?:Rue|Calle|Via|Avenida|Av|Avenue|Boulevard|Bd|Chemin|Allée|Place|Piazza|Viale|Corso|Carrer|Rua|Largo|Plaza|Paseo|Camino)\b\.?";
        let name = r"[\p{Lu}][\p{L}'’\-]*(?:\s+[\p{Lu}][\p{L}'’\-]*){0,2}";
        let compound = r"\b[\p{Lu}][\p{L}\-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|damm|laan|straat|gracht|plein|kade|vej|gade|gatan|vägen|veien)";
        let unit = r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl)\b\.?\s*#?\d+[A-Za-z]?|,?\s+#\d+[A-Za-z]?)?";
        let postal = r"(?:\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d|\d{4}(?:\s?[A-Z]{2})?)";
        let city = r"[\p{Lu}][\p{Ll}'’.\-][\p{L}'’.\-]*(?:[ \-][\p{Lu}][\p{Ll}'’.\-][\p{L}'’.\-]*){0,2}";
        let tail = format!(
            r"(?:,\s*(?:\d{{4,5}}\s+)?{city}(?:,?\s+(?:[A-Z]{{2}}\s+)?{postal}\b)?)?"
        );
        let pattern = format!(
            concat!(
                // 12 Oak Street, 12B Rue des Lilas, Calle Mayor 5, Hauptstraße 5.
                r"(?P<a>(?:{num},?\s+(?:{word}\s+){{1,4}}{suffix}",
                r"|{num},?\s+{prefix_street}\s+{particle}*{name}",
                r"|\b{prefix_street}\s+{particle}*{name},?\s+\d{{1,5}}[A-Za-z]?\b",
                r"|{compound}\s+\d{{1,5}}[A-Za-z]?\b)",
                r"{unit}{tail})",
                // postcode 94105, ZIP: 10001-1234.
                r"|(?i:\b(?:post\s?code|postal\s+code|zip\s?code|zip|plz|cep)\b)\s*[:=#]?\s*(?P<p>{postal}\b)",
                // Springfield, IL 62704; Ottawa, ON K1A 0B1; London, SW1A 1AA.
                r"|(?P<c>{city},\s*(?:(?P<st>[A-Z]{{2}})\s+)?(?P<pc>\d{{5}}(?:-\d{{4}})?|[A-Z]{{1,2}}\d[A-Z\d]?\s\d[A-Z]{{2}}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)\b)",
            ),
            num = num,
            word = word,
            suffix = suffix,
            prefix_street = prefix_street,
            particle = particle,
            name = name,
            compound = compound,
            unit = unit,
            tail = tail,
            postal = postal,
            city = city,
        );
        // ASCII word boundaries: Unicode ones keep the regex off its fast engines.
        regex::RegexBuilder::new(&pattern.replace(r"\b", r"(?-u:\b)"))
            .dfa_size_limit(16 << 20)
            .build()
            .expect("address pattern")
    })
}

fn find_addresses(s: &str, out: &mut Vec<(usize, usize)>) {
    for c in address_regex().captures_iter(s) {
        if let Some(m) = c.name("a") {
            out.push((m.start(), m.end()));
        } else if let Some(m) = c.name("p") {
            out.push((m.start(), m.end()));
        } else if let (Some(m), Some(pc)) = (c.name("c"), c.name("pc")) {
            let digits = pc.as_str().as_bytes()[0].is_ascii_digit();
            match c.name("st") {
                // A US ZIP or Canadian code needs a real state or province before it.
                Some(st) if STATES.contains(&st.as_str()) => out.push((m.start(), m.end())),
                Some(_) => {}
                // A UK postcode after `City,` alone; bare digits need a state.
                None if !digits => out.push((m.start(), m.end())),
                None => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// User names.

/// Words one of which every string with a user-name cue contains (the prefilter).
const USERNAME_CUE_WORDS: &[&str] = &["user", "login", "account", "handle", "in as", "member"];

/// Words after a user-name cue that are not user names.
const USERNAME_STOP: &[&str] = &[
    "not",
    "found",
    "id",
    "ids",
    "already",
    "exists",
    "exist",
    "is",
    "was",
    "has",
    "had",
    "have",
    "with",
    "the",
    "a",
    "an",
    "from",
    "to",
    "for",
    "and",
    "or",
    "in",
    "on",
    "at",
    "by",
    "of",
    "created",
    "deleted",
    "updated",
    "disabled",
    "enabled",
    "locked",
    "unlocked",
    "logged",
    "signed",
    "admin",
    "administrator",
    "root",
    "service",
    "system",
    "anonymous",
    "unknown",
    "null",
    "none",
    "nil",
    "undefined",
    "guest",
    "default",
    "test",
    "info",
    "profile",
    "settings",
    "session",
    "sessions",
    "attempt",
    "attempts",
    "failed",
    "failure",
    "success",
    "succeeded",
    "successful",
    "error",
    "required",
    "missing",
    "invalid",
    "valid",
    "name",
    "names",
    "agent",
    "data",
    "record",
    "records",
    "lookup",
    "details",
    "type",
    "role",
    "roles",
    "group",
    "groups",
    "list",
    "count",
    "limit",
    "quota",
    "balance",
    "number",
    "page",
    "request",
    "requests",
    "api",
    "sync",
    "store",
    "cache",
    "token",
    "password",
    "email",
    "phone",
    "verification",
    "verified",
    "unverified",
    "pending",
    "active",
    "inactive",
    "suspended",
    "blocked",
    "banned",
    "deactivated",
    "reactivated",
    "closed",
    "opened",
    "merged",
    "linked",
    "unlinked",
    "recovery",
    "reset",
    "registration",
    "creation",
    "deletion",
    "update",
    "manager",
    "management",
    "mgmt",
    "metadata",
    "state",
    "status",
    "this",
    "that",
    "their",
    "his",
    "her",
    "its",
    "your",
    "my",
    "our",
    "new",
    "old",
    "existing",
    "current",
    "same",
    "other",
    "another",
    "each",
    "every",
    "all",
    "any",
    "some",
    "no",
    "must",
    "should",
    "will",
    "can",
    "cannot",
    "may",
    "did",
    "does",
    "do",
    "be",
    "been",
    "being",
    "are",
    "were",
    "via",
    "using",
    "as",
    "into",
    "after",
    "before",
    "flow",
    "page",
    "form",
    "screen",
    "portal",
    "endpoint",
    "handler",
    "service-account",
    "v1",
    "v2",
    "v3",
];

fn username_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"(?i-u:\b(?:user(?:[ _-]?name)?|login(?:\s+(?:for|of))?|account|handle|(?:signed|logged)\s+in\s+as|member|uid)\b)",
            r"(?P<sep>\s*[:=]\s*|\s+)(?P<q>[\x22'`]?)(?P<v>[A-Za-z0-9._\-]+)",
        ))
        .expect("username pattern")
    })
}

fn find_usernames(s: &str, out: &mut Vec<(usize, usize)>) {
    let g = gazetteer();
    let b = s.as_bytes();
    for c in username_regex().captures_iter(s) {
        let (Some(v), Some(sep), Some(q)) = (c.name("v"), c.name("sep"), c.name("q")) else {
            continue;
        };
        let after = b.get(v.end()).copied();
        // Part of an email, a pseudonym (`hmac:k1:...`), a URL or a path.
        if matches!(after, Some(b'@' | b'%' | b'/' | b'\\'))
            || (after == Some(b':') && b.get(v.end() + 1).is_some_and(|c| !c.is_ascii_whitespace()))
        {
            continue;
        }
        let tok = v.as_str().trim_end_matches(['.', '-']);
        if tok.is_empty() || !tok.bytes().any(|c| c.is_ascii_alphabetic()) {
            continue;
        }
        // UUIDs and hex ids are identifiers, not user names.
        if tok.len() >= 8
            && tok.bytes().all(|c| c.is_ascii_hexdigit() || c == b'-')
            && tok.bytes().any(|c| c.is_ascii_digit())
        {
            continue;
        }
        let lower = tok.to_ascii_lowercase();
        if USERNAME_STOP.contains(&lower.as_str()) {
            continue;
        }
        // Field names and paths (`user_id`, `context.user_id`).
        if lower.ends_with("_id") || lower.ends_with(".id") || lower.ends_with("_ids") {
            continue;
        }
        let assigned = sep.as_str().contains([':', '=']) || !q.as_str().is_empty();
        let shaped = tok
            .bytes()
            .skip(1)
            .any(|c| c.is_ascii_digit() || c == b'_' || c == b'.');
        if assigned || shaped || g.given.contains(lower.as_str()) {
            out.push((v.start(), v.start() + tok.len()));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// User agents.

/// Clients whose `product/version` alone is a user agent (compared lower-cased).
const KNOWN_CLIENTS: &[&str] = &[
    "mozilla",
    "opera",
    "dalvik",
    "curl",
    "wget",
    "okhttp",
    "python-requests",
    "python-urllib",
    "python-httpx",
    "aiohttp",
    "go-http-client",
    "axios",
    "node-fetch",
    "undici",
    "java",
    "apache-httpclient",
    "postmanruntime",
    "insomnia",
    "httpie",
    "libwww-perl",
    "ruby",
    "faraday",
    "guzzlehttp",
    "dart",
    "cfnetwork",
    "googlebot",
    "bingbot",
    "facebookexternalhit",
    "twitterbot",
    "slackbot",
    "whatsapp",
    "telegrambot",
    "electron",
    "reactornetty",
    "restsharp",
    "k6",
    "apachebench",
    "powershell",
    "winhttp",
    "okhttp3",
];

/// `product/version` tokens that are protocols, not user agents.
const NOT_USER_AGENTS: &[&str] = &[
    "http", "https", "tls", "tlsv", "ssl", "spdy", "h2", "h3", "quic", "tcp", "udp", "rtmp", "sip",
    "imap", "smtp", "ftp", "amqp", "mqtt", "grpc",
];

fn user_agent_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let product = r"[A-Za-z][A-Za-z0-9._+\-]*/\d[A-Za-z0-9._+\-]*";
        Regex::new(&format!(
            r"(?P<p>{product})(?:\s+(?:{product}|\([^()\r\n]*\)|Mobile(?:\s+{product})))*"
        ))
        .expect("user agent pattern")
    })
}

fn ua_cue_before(s: &str, at: usize) -> bool {
    let before = s[..at].trim_end_matches(['"', '\'', ' ']);
    let before = before.trim_end_matches([':', '=']).trim_end();
    let lower = before[before.len().saturating_sub(12)..]
        .bytes()
        .map(|c| c.to_ascii_lowercase())
        .collect::<Vec<u8>>();
    lower.ends_with(b"ua") || lower.ends_with(b"agent")
}

fn find_user_agents(s: &str, out: &mut Vec<(usize, usize)>) {
    for c in user_agent_regex().captures_iter(s) {
        let (Some(m), Some(p)) = (c.get(0), c.name("p")) else {
            continue;
        };
        if s[..m.start()].chars().next_back().is_some_and(|ch| {
            ch.is_alphanumeric() || matches!(ch, '/' | '.' | '-' | '_' | '\\' | '@' | ':')
        }) {
            continue;
        }
        let name = p
            .as_str()
            .split('/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if NOT_USER_AGENTS.contains(&name.as_str()) {
            continue;
        }
        let text = m.as_str();
        let products = text
            .split_whitespace()
            .filter(|t| !t.starts_with('(') && t.contains('/'))
            .count();
        let comment = text.contains('(');
        if KNOWN_CLIENTS.contains(&name.as_str())
            || products >= 2
            || (comment && products >= 1 && p.as_str().contains('.'))
            || ua_cue_before(s, m.start())
        {
            out.push((m.start(), m.end()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(kind: FreeTextKind, s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        kind.find(s, &mut out);
        out.iter().map(|&(a, b)| &s[a..b]).collect()
    }

    #[test]
    fn observed_leaks() {
        use FreeTextKind::*;
        assert_eq!(
            found(PersonName, "Card declined for José Moreau: [REDACTED]"),
            ["José Moreau"]
        );
        let line = "Failed login for linh_gon2756 from hmac:k1:0a1b2c (ua=Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36)";
        assert_eq!(found(Username, line), ["linh_gon2756"]);
        assert_eq!(
            found(UserAgent, line),
            ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"]
        );
        assert!(found(PersonName, line).is_empty());
        assert_eq!(
            found(
                StreetAddress,
                "Parcel sent to 221B Baker Street, London NW1 6XE today"
            ),
            ["221B Baker Street, London NW1 6XE"]
        );
        assert_eq!(
            found(StreetAddress, "moved to 12 Rue des Lilas, 75011 Paris"),
            ["12 Rue des Lilas, 75011 Paris"]
        );
        assert_eq!(
            found(StreetAddress, "postcode SW1A 1AA not served"),
            ["SW1A 1AA"]
        );
        assert_eq!(
            found(StreetAddress, "store in Springfield, IL 62704"),
            ["Springfield, IL 62704"]
        );
    }

    #[test]
    fn name_shapes() {
        use FreeTextKind::PersonName;
        assert_eq!(found(PersonName, "Dear Mr. O'Neil, thanks"), ["O'Neil"]);
        assert_eq!(
            found(PersonName, "signed by Amaka Okonkwo-Baptiste"),
            ["Amaka Okonkwo-Baptiste"]
        );
        assert_eq!(
            found(PersonName, "Zoë Müller changed her email"),
            ["Zoë Müller"]
        );
        assert_eq!(
            found(PersonName, "assigned to Ana de la Cruz"),
            ["Ana de la Cruz"]
        );
        assert!(found(PersonName, "Connection Reset By Peer").is_empty());
        assert!(found(PersonName, "UserService failed for ORDER-12 by /Maria/x").is_empty());
        assert!(found(PersonName, "Tested on Chrome and Safari for Linux").is_empty());
    }

    #[test]
    fn find_output_is_sorted_disjoint_and_on_char_boundaries() {
        let s = "Dr Émilie Dubois-Laurent at 3 Rue de Brest, user é_9 ua=curl/8.4.0 curl/8.4.0";
        for k in FreeTextKind::ALL {
            let mut out = Vec::new();
            k.find(s, &mut out);
            for w in out.windows(2) {
                assert!(w[0].1 < w[1].0, "{k:?} {out:?}");
            }
            for &(a, b) in &out {
                assert!(a < b && s.is_char_boundary(a) && s.is_char_boundary(b));
            }
            if !k.possible(s) {
                assert!(out.is_empty());
            }
        }
    }
}

/// Evaluation on a generated corpus: `cargo test --release --lib free_text -- --nocapture`
/// prints recall, precision, the false-positive rate on ordinary log lines and the cost of each
/// finder, and asserts floors.
#[cfg(test)]
mod eval {
    use super::*;
    use std::time::Instant;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[self.below(xs.len())]
        }
        fn chance(&mut self, pct: usize) -> bool {
            self.below(100) < pct
        }
        fn num(&mut self, lo: usize, hi: usize) -> usize {
            lo + self.below(hi - lo + 1)
        }
    }

    /// A log line with its planted spans.
    #[derive(Default)]
    struct Line {
        text: String,
        spans: Vec<(FreeTextKind, usize, usize)>,
    }
    impl Line {
        fn lit(&mut self, s: &str) -> &mut Self {
            self.text.push_str(s);
            self
        }
        fn pii(&mut self, k: FreeTextKind, s: &str) -> &mut Self {
            let a = self.text.len();
            self.text.push_str(s);
            self.spans.push((k, a, self.text.len()));
            self
        }
    }

    // Names used for planting: about half of them are NOT in the gazetteer.
    const GIVEN_IN: &[&str] = &[
        "José",
        "Linh",
        "Zoë",
        "Maria",
        "Ahmed",
        "Priya",
        "Chinedu",
        "Siobhán",
        "Björn",
        "Mateusz",
        "Yuki",
        "Oluwaseun",
        "Fatima",
        "Hiroshi",
        "Ngozi",
        "Ingrid",
        "Giulia",
        "Thandiwe",
        "Dmitry",
        "Ananya",
        "Emma",
        "Noah",
        "Olivia",
        "Liam",
        "Sofía",
        "Mehmet",
        "Aisha",
        "Kwame",
        "Hannah",
        "Lucas",
        "Chloé",
        "Jürgen",
        "Małgorzata",
        "Anh",
        "Minh",
        "Rahul",
        "Kenji",
        "Sarah",
        "Daniel",
        "Elena",
    ];
    const GIVEN_OUT: &[&str] = &[
        "Ksenija",
        "Bartholomew",
        "Thaddeus",
        "Oluwatobiloba",
        "Xanthe",
        "Ignatius",
        "Philippa",
        "Leopoldine",
        "Radomir",
        "Tsegaye",
        "Nkiruka",
        "Kaveh",
        "Ozioma",
        "Evander",
        "Isidora",
        "Wilhelmina",
        "Temperance",
        "Caspian",
        "Anwen",
        "Ysolde",
        "Kazimierz",
        "Dobromir",
        "Ifunanya",
        "Zuberi",
        "Thuy-Tien",
        "Marisela",
        "Benedikt",
        "Ottilie",
        "Peregrine",
        "Sunniva",
    ];
    const SURNAME_IN: &[&str] = &[
        "Moreau",
        "Nguyen",
        "Müller",
        "O'Neil",
        "Okonkwo",
        "Kowalski",
        "Tanaka",
        "Haddad",
        "Fernández",
        "Papadopoulos",
        "Smith",
        "Garcia",
        "Nguyễn",
        "Schmidt",
        "Rossi",
        "Ivanova",
        "Sharma",
        "Mensah",
        "Dubois",
        "Yilmaz",
        "Johansson",
        "Kim",
        "Okafor",
        "Jansen",
        "Dlamini",
        "McCarthy",
        "Horváth",
        "Novák",
        "Rodríguez",
        "Wang",
    ];
    const SURNAME_OUT: &[&str] = &[
        "Okonkwo-Baptiste",
        "Vandersloot",
        "Quarshie",
        "Threadgill",
        "Abernathy",
        "Kowalczykowski",
        "Przybyszewski",
        "Ravenscroft",
        "Delacroix-Ferreira",
        "Tchoumba",
        "Ellingboe",
        "Featherstonehaugh",
        "Oyelowo",
        "Brzęczyszczykiewicz",
        "Hakobyan",
        "Szczepankiewicz",
        "Montgomery-Ward",
        "Achterberg",
        "Lindqvist-Ek",
        "Ferreira-Lobo",
        "Castellanos",
        "Aberdeen",
        "Quintanilla",
        "Vukotić",
        "Adeyinka-Cole",
    ];
    const SALUTE: &[&str] = &[
        "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Dr", "Dr.", "Prof.",
    ];

    fn given(r: &mut Rng) -> &'static str {
        if r.chance(50) {
            r.pick(GIVEN_IN)
        } else {
            r.pick(GIVEN_OUT)
        }
    }
    fn surname(r: &mut Rng) -> &'static str {
        if r.chance(50) {
            r.pick(SURNAME_IN)
        } else {
            r.pick(SURNAME_OUT)
        }
    }
    /// A name, and whether a salutation goes before it.
    fn name(r: &mut Rng) -> (String, Option<&'static str>) {
        match r.below(10) {
            0..=5 => (format!("{} {}", given(r), surname(r)), None),
            6 => (given(r).to_string(), None),
            7 => (surname(r).to_string(), Some(r.pick(SALUTE))),
            8 => (format!("{} {}", given(r), surname(r)), Some(r.pick(SALUTE))),
            _ => (format!("{} {} {}", given(r), given(r), surname(r)), None),
        }
    }

    fn hex(r: &mut Rng, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[r.below(16)]))
            .collect()
    }

    const STREET_WORDS: &[&str] = &[
        "Oak",
        "Maple",
        "Baker",
        "Main",
        "High",
        "Church",
        "Station",
        "Elm",
        "Victoria",
        "Mill",
        "Queen",
        "King",
        "Park",
        "Cedar",
        "Willow",
        "Pennsylvania",
        "Sunset",
        "Martin Luther King",
        "5th",
        "42nd",
        "Old Mill",
        "Green Lane",
        "St. John's",
        "Harbour",
    ];
    const SUFFIXES: &[&str] = &[
        "Street",
        "St",
        "St.",
        "Avenue",
        "Ave",
        "Road",
        "Rd",
        "Boulevard",
        "Blvd",
        "Lane",
        "Drive",
        "Dr",
        "Court",
        "Way",
        "Place",
        "Terrace",
        "Close",
        "Square",
    ];
    const US_CITIES: &[(&str, &str, &str)] = &[
        ("Springfield", "IL", "62704"),
        ("San Francisco", "CA", "94105"),
        ("New York", "NY", "10118"),
        ("Austin", "TX", "78701-1234"),
        ("Seattle", "WA", "98101"),
        ("Boston", "MA", "02108"),
    ];
    const UK: &[(&str, &str)] = &[
        ("London", "SW1A 1AA"),
        ("London", "NW1 6XE"),
        ("Manchester", "M1 1AE"),
        ("Leeds", "LS1 4DY"),
        ("Edinburgh", "EH1 1YZ"),
    ];

    fn address(r: &mut Rng) -> String {
        let n = r.num(1, 2400);
        let unit = if r.chance(25) {
            format!(
                ", {} {}{}",
                r.pick(&["Apt", "Suite", "Unit", "Apt."]),
                r.num(1, 40),
                r.pick(&["", "B", "A"])
            )
        } else {
            String::new()
        };
        match r.below(9) {
            0..=2 => {
                let (c, st, z) = US_CITIES[r.below(US_CITIES.len())];
                let tail = if r.chance(70) {
                    format!(", {c}, {st} {z}")
                } else {
                    String::new()
                };
                format!(
                    "{n} {} {}{unit}{tail}",
                    r.pick(STREET_WORDS),
                    r.pick(SUFFIXES)
                )
            }
            3 | 4 => {
                let (c, pc) = UK[r.below(UK.len())];
                let tail = if r.chance(70) {
                    format!(", {c} {pc}")
                } else {
                    String::new()
                };
                format!(
                    "{n}{} {} {}{unit}{tail}",
                    r.pick(&["", "B", ""]),
                    r.pick(STREET_WORDS),
                    r.pick(&["Street", "Road", "Lane", "Close", "Terrace"])
                )
            }
            5 => format!(
                "{n} Rue {}, {} Paris",
                r.pick(&[
                    "des Lilas",
                    "de Rivoli",
                    "du Faubourg Saint-Antoine",
                    "Lafayette",
                    "de la Paix"
                ]),
                r.num(75001, 75020)
            ),
            6 => format!(
                "{} {}, {} {}",
                r.pick(&[
                    "Calle Mayor",
                    "Via Roma",
                    "Calle de Alcalá",
                    "Via Garibaldi",
                    "Rua Augusta"
                ]),
                r.num(1, 200),
                r.num(10000, 49999),
                r.pick(&["Madrid", "Roma", "Lisboa", "Milano"])
            ),
            7 => format!(
                "{} {}, {} {}",
                r.pick(&[
                    "Hauptstraße",
                    "Bahnhofstraße",
                    "Kerkstraat",
                    "Lindenweg",
                    "Prinsengracht",
                    "Schillerstr."
                ]),
                r.num(1, 300),
                r.num(1000, 99999),
                r.pick(&["Berlin", "Amsterdam", "München", "Utrecht"])
            ),
            _ => format!(
                "{n} {} {}, {}, ON K{}A {}B{}",
                r.pick(STREET_WORDS),
                r.pick(&["Street", "Avenue", "Drive"]),
                r.pick(&["Ottawa", "Toronto"]),
                r.num(1, 9),
                r.num(0, 9),
                r.num(0, 9)
            ),
        }
    }

    fn username(r: &mut Rng) -> String {
        let g = r.pick(&[
            "linh", "maria", "jose", "ahmed", "priya", "bjorn", "kx", "dev", "t", "j", "zoe",
            "oluwa", "sam", "alex",
        ]);
        let s = r.pick(&[
            "gon", "smith", "nguyen", "lopez", "k", "w", "moreau", "okafor", "dev", "x",
        ]);
        match r.below(8) {
            0 | 1 => format!("{g}_{s}{}", r.num(1, 9999)),
            2 => format!("{g}.{s}"),
            3 => format!("{g}{s}{}", r.num(1, 99)),
            4 => format!("{g}-{s}_{}", r.num(1, 99)),
            5 => format!("{g}{}", r.num(10, 9999)),
            6 => format!("{g}.{s}{}", r.num(1, 99)),
            // Plain lower-case handles: found only after an assignment or if a given name.
            _ => r
                .pick(&[
                    "jdoe", "alice", "msmith", "bob", "kwame", "rootkit", "sarah", "hkim",
                ])
                .to_string(),
        }
    }

    const UAS: &[&str] = &[
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Edg/119.0.2151.97",
        "Dalvik/2.1.0 (Linux; U; Android 13; SM-S911B Build/TP1A.220624.014)",
        "curl/8.4.0",
        "okhttp/4.12.0",
        "python-requests/2.31.0",
        "MyApp/3.2 CFNetwork/1408.0.4 Darwin/22.5.0",
        "Go-http-client/1.1",
        "PostmanRuntime/7.36.0",
        "Acme-iOS/5.12.1 (iPhone14,2; iOS 17.1.2; Scale/3.00)",
    ];

    /// One line with planted personal data.
    fn positive(r: &mut Rng) -> Line {
        use FreeTextKind::*;
        let mut l = Line::default();
        let id = r.num(1000, 999_999);
        let named = |r: &mut Rng, l: &mut Line| {
            let (n, sal) = name(r);
            if let Some(s) = sal {
                l.lit(s).lit(" ");
            }
            l.pii(PersonName, &n);
        };
        match r.below(34) {
            0 => {
                l.lit("Card declined for ");
                named(r, &mut l);
                l.lit(": [REDACTED]");
            }
            1 => {
                l.lit(&format!(
                    "Payment of EUR {}.{:02} received from ",
                    r.num(1, 900),
                    r.num(0, 99)
                ));
                named(r, &mut l);
            }
            2 => {
                l.lit("Refund issued to ");
                named(r, &mut l);
                l.lit(&format!(" for order #{id}"));
            }
            3 => {
                l.lit(&format!("Support ticket #{id} opened by "));
                named(r, &mut l);
            }
            4 => {
                l.lit("Dear ");
                named(r, &mut l);
                l.lit(", your order has shipped");
            }
            5 => {
                l.lit("Hello ");
                named(r, &mut l);
                l.lit(", your password was changed");
            }
            6 => {
                l.lit("Appointment booked for patient ");
                named(r, &mut l);
                l.lit(" on 2024-03-12 09:30");
            }
            7 => {
                l.lit("Employee ");
                named(r, &mut l);
                l.lit(" updated role to manager");
            }
            8 => {
                l.pii(PersonName, &format!("{} {}", r.pick(GIVEN_IN), surname(r)));
                l.lit(" invited ");
                named(r, &mut l);
                l.lit(" to workspace acme-prod");
            }
            9 => {
                l.lit(&format!("Shipment {id} delivered, signed by "));
                named(r, &mut l);
            }
            10 => {
                l.lit("New comment from ");
                named(r, &mut l);
                l.lit(": looks good to me");
            }
            11 => {
                l.lit("Cardholder name: ");
                named(r, &mut l);
            }
            12 => {
                l.lit(&format!("Password reset requested by {} ", r.pick(SALUTE)));
                l.pii(PersonName, surname(r));
            }
            13 => {
                l.lit("Call scheduled with Dr. ");
                l.pii(PersonName, &format!("{} {}", given(r), surname(r)));
                l.lit(" tomorrow");
            }
            14 => {
                l.lit(&format!("order_id={id} customer="));
                named(r, &mut l);
                l.lit(" plan=pro");
            }
            15 => {
                l.lit("Escalated to ");
                named(r, &mut l);
                l.lit(" (tier 2)");
            }
            16 => {
                l.pii(PersonName, &format!("{} {}", r.pick(GIVEN_IN), surname(r)));
                l.lit(" changed their email address");
            }
            17 => {
                l.lit("Note: spoke with ");
                named(r, &mut l);
                l.lit(" about the invoice");
            }
            18 => {
                l.lit("Shipping address updated to ");
                l.pii(StreetAddress, &address(r));
            }
            19 => {
                l.lit(&format!("Order {id} shipped to "));
                l.pii(StreetAddress, &address(r));
                l.lit(" via DHL");
            }
            20 => {
                l.lit("Billing address: ");
                l.pii(StreetAddress, &address(r));
            }
            21 => {
                l.lit("Delivery failed at ");
                l.pii(StreetAddress, &address(r));
                l.lit(", recipient not home");
            }
            22 => {
                l.lit("Address validation failed for postcode ");
                l.pii(StreetAddress, UK[r.below(UK.len())].1);
            }
            23 => {
                let (c, st, z) = US_CITIES[r.below(US_CITIES.len())];
                l.lit("Store pickup moved to ");
                l.pii(StreetAddress, &format!("{c}, {st} {z}"));
            }
            24 => {
                l.lit("Failed login for ");
                l.pii(Username, &username(r));
                l.lit(&format!(" from hmac:k1:{} (ua=", hex(r, 16)));
                l.pii(UserAgent, r.pick(UAS));
                l.lit(")");
            }
            25 => {
                l.lit("user ");
                l.pii(Username, &username(r));
                l.lit(" locked after 5 failed attempts");
            }
            26 => {
                l.lit("username=");
                l.pii(Username, &username(r));
                l.lit(" action=password_reset");
            }
            27 => {
                l.lit("Account ");
                l.pii(Username, &username(r));
                l.lit(" suspended by admin");
            }
            28 => {
                l.lit("Session started, signed in as ");
                l.pii(Username, &username(r));
            }
            29 => {
                l.lit("login of ");
                l.pii(Username, &username(r));
                l.lit(" succeeded via SSO");
            }
            30 => {
                l.lit(&format!("10.0.{}.{} - - [12/Mar/2024:10:00:01 +0000] \"GET /api/v1/orders/{id} HTTP/1.1\" 200 {} \"-\" \"", r.num(0, 255), r.num(1, 254), r.num(100, 9000)));
                l.pii(UserAgent, r.pick(UAS));
                l.lit("\"");
            }
            31 => {
                l.lit("User-Agent: ");
                l.pii(UserAgent, r.pick(UAS));
            }
            32 => {
                l.lit("ua=");
                l.pii(UserAgent, r.pick(UAS));
                l.lit(&format!(" session={}", hex(r, 8)));
            }
            _ => {
                l.lit("Request from ");
                l.pii(UserAgent, r.pick(UAS));
                l.lit(" rejected, rate limited");
            }
        }
        l
    }

    const SERVICES: &[&str] = &[
        "AuditService",
        "Payments Service",
        "Order Service",
        "UserService",
        "Billing API",
        "Notification Worker",
        "Session Store",
        "Identity Gateway",
        "Search Indexer",
        "Fraud Engine",
        "Ledger",
        "Checkout",
        "Inventory Sync",
        "Report Builder",
    ];

    /// One ordinary line with no personal data.
    fn negative(r: &mut Rng) -> String {
        let id = r.num(1, 999_999);
        let ms = r.num(1, 30_000);
        let svc = r.pick(SERVICES);
        match r.below(56) {
            48 => "Forwarded to Sales by Marketing Ops for review".to_string(),
            49 => format!("Ticket {id} assigned to Tier 2 Support by Auto Router"),
            50 => r.pick(&["Login from Chrome on Windows 11", "Paid via Apple Pay from iPhone", "Sent by Amazon SES to Mailgun relay", "Build triggered by GitHub Actions for Release Candidate"]).to_string(),
            51 => format!("Report generated for Jordan region in {ms} ms"),
            52 => r.pick(&["Merged by dependabot[bot] into main", "Approved by Change Advisory Board", "Migration from MySQL to Aurora Serverless finished", "Invited to Phoenix Beta by Product Team"]).to_string(),
            53 => format!("Processed {} events from Frankfurt Edge Node {}", r.num(1, 9999), r.num(1, 9)),
            54 => format!("npm/10.2.3 node/v18.19.0 linux x64 workspaces/false ci/github-actions took {ms}ms"),
            55 => format!("Contact Support Team at extension {}", r.num(100, 999)),
            0 => format!("Starting {svc} v{}.{}.{} on port {}", r.num(0, 9), r.num(0, 20), r.num(0, 30), r.num(1024, 65000)),
            1 => "Connection Reset By Peer while reading from upstream".to_string(),
            2 => format!("10.0.{}.{} - - [12/Mar/2024:10:00:01 +0000] \"GET /api/v1/users/{id} HTTP/1.1\" 200 {} \"-\" \"-\"", r.num(0, 255), r.num(1, 254), r.num(100, 9000)),
            3 => format!("SELECT id, name, email FROM users WHERE id = ${} LIMIT {}", r.num(1, 3), r.num(10, 500)),
            4 => format!("Pod payments-{}-xk2p9 in namespace prod: Back-off restarting failed container", hex(r, 6)),
            5 => format!("java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"name\" is null at com.acme.UserService.lookup(UserService.java:{})", r.num(10, 900)),
            6 => format!("panic: runtime error: index out of range [{}] with length {}", r.num(1, 9), r.num(0, 9)),
            7 => format!("Traceback (most recent call last): File \"/app/main.py\", line {}, in <module>", r.num(1, 400)),
            8 => format!("Redis connection pool exhausted (max {})", r.num(10, 200)),
            9 => format!("Kafka consumer group billing-workers rebalanced: {} partitions assigned", r.num(1, 64)),
            10 => format!("Scheduled job NightlyExport finished in {ms} ms"),
            11 => format!("Config: max_connections={} idle_timeout={}s tls=true region=eu-west-1", r.num(10, 500), r.num(5, 90)),
            12 => format!("User {id} not found"),
            13 => r.pick(&["user not found", "Account already exists", "Login failed: invalid credentials", "User session expired after 30 minutes", "user id missing in request", "Account locked", "login for tenant acme succeeded"]).to_string(),
            14 => format!("Deployed build 1.{}.{} to Production on {}", r.num(0, 9), r.num(0, 30), r.pick(&["Monday", "Friday", "March 3"])),
            15 => format!("Email sent to [REDACTED] via SendGrid in {ms} ms"),
            16 => format!("Payment processed by Stripe for order ORD-{id}"),
            17 => format!("Retrying in {} seconds (attempt {} of 5)", r.num(1, 60), r.num(1, 5)),
            18 => "Received SIGTERM, shutting down gracefully".to_string(),
            19 => "Health check passed for Postgres, Redis and Kafka".to_string(),
            20 => format!("Upgraded Spring Boot to 3.{}.1 and Hibernate to 6.4", r.num(0, 3)),
            21 => "Tested with Mozilla Firefox and Google Chrome on Linux and Windows".to_string(),
            22 => format!("HTTP/1.1 502 Bad Gateway from upstream api.internal:{}", r.num(1000, 9999)),
            23 => "TLSv1.3 handshake completed with cipher TLS_AES_128_GCM_SHA256".to_string(),
            24 => format!("Loaded {} rules from /etc/audit-otel/rules.yaml", r.num(1, 99)),
            25 => format!("Cache hit ratio 0.{} for {svc}", r.num(10, 99)),
            26 => format!("Thread pool Worker-{} blocked for {ms} ms", r.num(1, 64)),
            27 => format!("Sent {} Slack notifications to #alerts", r.num(1, 20)),
            28 => format!("Feature flag NewCheckout enabled for {}% of traffic", r.num(1, 100)),
            29 => format!("Backup to s3://backups/2024-03-{:02}/db.tar.gz completed", r.num(1, 28)),
            30 => format!("Invoice INV-2024-{id:05} generated for Acme Corp"),
            31 => format!("Order {id} created for Tenant Alpha by Release Manager"),
            32 => format!("Request to {svc} timed out after {}s", r.num(1, 60)),
            33 => format!("Running on Windows Server 2019 with Java {}", r.num(8, 21)),
            34 => "Victoria Metrics remote write failed, falling back to Prometheus".to_string(),
            35 => format!("Migrating from Oracle to Postgres {}", r.num(12, 17)),
            36 => "Process exited with code 137 (OOMKilled)".to_string(),
            37 => "Listening on 0.0.0.0:4317 (gRPC) and 0.0.0.0:4318 (HTTP)".to_string(),
            38 => "go version go1.22.1 linux/amd64".to_string(),
            39 => format!("Built with rustc 1.85.0 ({} 2025-02-17)", hex(r, 9)),
            40 => "Max retries exceeded with url: /v1/charges (Caused by NewConnectionError)".to_string(),
            41 => format!("Received 200 OK from https://api.example.com/v2/accounts/{id}"),
            42 => format!("Account balance recalculated for {} accounts", r.num(2, 9000)),
            43 => format!("user_id={id} tenant_id={} action=login result=success", r.num(1, 90)),
            44 => format!("Rack {} Row {} in Data Center Frankfurt reported {} Disk Errors", r.num(1, 40), r.num(1, 9), r.num(1, 9)),
            45 => format!("Assigned {} tickets to Team Phoenix for Sprint {}", r.num(1, 30), r.num(1, 90)),
            46 => format!("Event UserCreated published to topic identity.users partition {}", r.num(0, 31)),
            _ => format!("GET /api/v2/users/{id}/sessions?page={} 200 {ms}ms", r.num(1, 9)),
        }
    }

    struct Score {
        planted: usize,
        covered: usize,
        found: usize,
        true_found: usize,
        neg_lines: usize,
        neg_changed: usize,
        nanos: u128,
        lines: usize,
    }

    fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
        a.0 < b.1 && b.0 < a.1
    }

    fn score(kind: FreeTextKind, pos: &[Line], neg: &[String], show: usize) -> Score {
        let mut sc = Score {
            planted: 0,
            covered: 0,
            found: 0,
            true_found: 0,
            neg_lines: neg.len(),
            neg_changed: 0,
            nanos: 0,
            lines: 0,
        };
        let mut out = Vec::new();
        let (mut misses, mut fps) = (0, 0);
        for l in pos {
            out.clear();
            kind.find(&l.text, &mut out);
            for &(k, a, b) in &l.spans {
                if k != kind {
                    continue;
                }
                sc.planted += 1;
                if out.iter().any(|&(x, y)| x <= a && b <= y) {
                    sc.covered += 1;
                } else if misses < show {
                    misses += 1;
                    println!(
                        "  miss {kind:?}: {:?} in {:?} (found {:?})",
                        &l.text[a..b],
                        l.text,
                        out.iter().map(|&(x, y)| &l.text[x..y]).collect::<Vec<_>>()
                    );
                }
            }
            for &f in &out {
                sc.found += 1;
                if l.spans
                    .iter()
                    .any(|&(k, a, b)| k == kind && overlaps(f, (a, b)))
                {
                    sc.true_found += 1;
                } else if fps < show {
                    fps += 1;
                    println!("  fp   {kind:?}: {:?} in {:?}", &l.text[f.0..f.1], l.text);
                }
            }
        }
        for s in neg {
            out.clear();
            kind.find(s, &mut out);
            sc.found += out.len();
            if !out.is_empty() {
                sc.neg_changed += 1;
                if fps < show {
                    fps += 1;
                    println!(
                        "  fp   {kind:?}: {:?} in {s:?}",
                        out.iter().map(|&(x, y)| &s[x..y]).collect::<Vec<_>>()
                    );
                }
            }
        }
        // Cost over all lines (print only).
        let t = Instant::now();
        for _ in 0..3 {
            for l in pos {
                out.clear();
                kind.find(std::hint::black_box(&l.text), &mut out);
            }
            for s in neg {
                out.clear();
                kind.find(std::hint::black_box(s), &mut out);
            }
        }
        sc.nanos = t.elapsed().as_nanos();
        sc.lines = 3 * (pos.len() + neg.len());
        sc
    }

    #[test]
    fn precision_recall_and_false_positives() {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        let pos: Vec<Line> = (0..8000).map(|_| positive(&mut r)).collect();
        let neg: Vec<String> = (0..8000).map(|_| negative(&mut r)).collect();
        let g = gazetteer();
        let in_g = |n: &&&str| g.given.contains(n.to_lowercase().as_str());
        let in_s = |n: &&&str| g.surname.contains(n.to_lowercase().as_str());
        println!(
            "gazetteer: {} given names, {} surnames; planted given names in it: {}/{}, surnames: {}/{}",
            g.given.len(),
            g.surname.len(),
            GIVEN_IN.iter().chain(GIVEN_OUT).filter(in_g).count(),
            GIVEN_IN.len() + GIVEN_OUT.len(),
            SURNAME_IN.iter().chain(SURNAME_OUT).filter(in_s).count(),
            SURNAME_IN.len() + SURNAME_OUT.len(),
        );
        println!(
            "corpus: {} lines with planted data, {} ordinary lines",
            pos.len(),
            neg.len()
        );
        // (kind, recall floor, precision floor, false-positive-rate ceiling)
        let floors = [
            (FreeTextKind::PersonName, 0.80, 0.95, 0.01),
            (FreeTextKind::StreetAddress, 0.90, 0.95, 0.01),
            (FreeTextKind::Username, 0.85, 0.95, 0.01),
            (FreeTextKind::UserAgent, 0.95, 0.95, 0.01),
        ];
        let mut rows = Vec::new();
        for (kind, rf, pf, ff) in floors {
            let sc = score(kind, &pos, &neg, 6);
            let recall = sc.covered as f64 / sc.planted.max(1) as f64;
            let precision = sc.true_found as f64 / sc.found.max(1) as f64;
            let fp_rate = sc.neg_changed as f64 / sc.neg_lines.max(1) as f64;
            let ns = sc.nanos as f64 / sc.lines.max(1) as f64;
            rows.push(format!(
                "| {kind:?} | {} | {recall:.3} | {precision:.3} | {fp_rate:.4} ({}/{}) | {ns:.0} |",
                sc.planted, sc.neg_changed, sc.neg_lines
            ));
            assert!(recall >= rf, "{kind:?} recall {recall:.3} < {rf}");
            assert!(precision >= pf, "{kind:?} precision {precision:.3} < {pf}");
            assert!(
                fp_rate <= ff,
                "{kind:?} false-positive rate {fp_rate:.4} > {ff}"
            );
        }
        // Prose: the crate's README (print only; it changes, and its examples hold sample data).
        if let Ok(readme) =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        {
            let lines: Vec<&str> = readme.lines().filter(|l| l.len() > 20).collect();
            for kind in FreeTextKind::ALL {
                let mut out = Vec::new();
                let mut changed = Vec::new();
                for l in &lines {
                    out.clear();
                    kind.find(l, &mut out);
                    if !out.is_empty() {
                        changed.push(out.iter().map(|&(a, b)| &l[a..b]).collect::<Vec<_>>());
                    }
                }
                println!(
                    "README.md: {kind:?} changed {}/{} lines: {:?}",
                    changed.len(),
                    lines.len(),
                    &changed[..changed.len().min(8)]
                );
            }
        }
        println!("| finder | planted | recall | precision | ordinary lines changed | ns/line |");
        println!("|---|---|---|---|---|---|");
        for row in rows {
            println!("{row}");
        }
    }
}
