//! A deterministic generator of realistic audit events, with planted and listed PII.
//!
//! [`Generator`] writes NDJSON lines in the reference platform's event envelope
//! (`{"id","seq","type","payload","context"}`), one per call of [`Generator::write_line`]. Same
//! [`GeneratorOptions`] (seed included) means the same bytes, on every machine and every run: the
//! only source of randomness is a seeded ChaCha8 generator, and nothing reads the clock or the
//! environment. It serves four purposes:
//!
//! - the CLI's `audit-otel generate --count N --seed S [--pii-out FILE] [--malformed-rate R]`;
//! - the `generate` pipeline source (events without a real platform);
//! - leak tests: every PII value the generator plants is listed ([`Generator::planted`]), so a
//!   test can assert that none of them survives redaction;
//! - benchmarks (well above 100,000 events per second on one core in release builds).
//!
//! # What the events look like
//!
//! - **Envelope.** `id` is `seq` as 16 lower-case hex digits; `seq` grows by one per event and
//!   now and then skips one to three values, like the platform's global sequence that other apps
//!   and blocking events also consume.
//! - **Context**, keys in the platform's order: `timestamp` (Unix seconds, never decreasing,
//!   advancing a few seconds at a time), `user_id` (the subject's id, `""` for failed logins with
//!   an unknown login id, `null` for messaging, project and most resource mutations),
//!   `triggered_by` (`user`, `admin_api`, `system`, `portal`, `site_admin` per family),
//!   `audit_context` (`{"http_url"}` for end users, with one-time link codes in some URLs; the
//!   four-key portal shapes with `usage: "proxy"` or `"internal"`), `preferred_languages`,
//!   `language`, sometimes `oauth.state`, `ip_address` (about 15% IPv6), `geo_location_code`,
//!   `user_agent` (browsers, the app's iOS/Android SDK, server clients), `app_id`, `client_id`,
//!   `tracking_id`.
//! - **Payloads** for every type of the catalog ([`crate::catalog::BUILTIN`]): user, identity and
//!   session snapshots with standard and custom attributes, login-id claims whose
//!   `original_value` differs in case or spacing, OAuth provider profiles, biometric device dumps
//!   naming the device ("Aisha's iPhone"), messaging recipients, failed login ids (including an
//!   SMS pasted into the login box), Admin API and portal payloads. [`has_builder`] tells whether
//!   a type has its own builder; any other type still gets a plausible generic event.
//! - **People.** A pool of up to 2,000 synthetic people is built lazily from the seed, so users
//!   recur across events (as they do in production dashboards and for pseudonymization), and new
//!   people keep arriving so the PII stays diverse. Names come from many cultures, including
//!   non-ASCII and CJK spellings; e-mail addresses use `example.*` domains; phone numbers use
//!   fictional ranges where a country has one.
//!
//! # The PII list
//!
//! Every PII string is listed once, exactly as it appears as a JSON string value (before JSON
//! escaping), with its [`PiiKind`], in the order it was first planted. Only values of 6 bytes or
//! more are listed; low-entropy attributes (gender, locale, time zone, country) are emitted but not
//! listed. Identifiers that investigations need (user, session, identity and client ids, event
//! ids, app ids, tracking ids) are not PII and are never listed. A value is listed only if it is
//! present in the bytes written (a malformed line may lose some).
//!
//! # Malformed lines
//!
//! With [`GeneratorOptions::malformed_rate`] `> 0`, that fraction of lines is replaced by bad input
//! built from the event that would have been written ([`MalformedKind`]): truncated JSON, wrong
//! field types, a missing `type`, an oversized string (256 KiB to 1 MiB, over the default event limit), bad `\u` escapes, raw
//! invalid UTF-8, nesting 1,000 or 10,000 levels deep, JSON that is not an object, garbage, duplicate
//! keys and empty lines. The malformed decisions come from a separate stream of the same seeded
//! generator, so turning them on or off does not change the events around them: line `i` is
//! built from the same event either way.
//!
//! ```
//! use audit_otel::generate::{Generator, GeneratorOptions, LineKind, Mix};
//!
//! let mut generator = Generator::new(GeneratorOptions { seed: 7, mix: Mix::Uniform, ..Default::default() });
//! let mut line = Vec::new();
//! let kind = generator.write_line(&mut line);
//! assert!(matches!(kind, LineKind::Event { .. }));
//! let event: serde_json::Value = serde_json::from_slice(&line).unwrap();
//! assert_eq!(event["id"], format!("{:016x}", event["seq"].as_u64().unwrap()));
//! assert!(generator.planted().iter().all(|(_, value)| value.len() >= 6));
//! ```

mod json;
mod malformed;
mod payloads;
mod people;
mod pii;

#[cfg(test)]
mod tests;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::catalog::BUILTIN;

use json::{escaped, J};
use people::{chance, hex, pick, Admin, App, Client, Country, Person, Want, R};
use pii::Registry;

pub use malformed::MalformedKind;
pub use payloads::has_builder;
pub use pii::PiiKind;

/// Which types the generator emits, and how often.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mix {
    /// Weighted like production: mostly `user.authenticated`, authentication failures,
    /// `sms.sent` and `email.sent`; Admin API, portal and site-admin events are rare.
    #[default]
    Realistic,
    /// Line `i` has type `i mod T`, `T` being the number of selected types (every type appears
    /// once in each run of `T` lines).
    Uniform,
}

/// Which catalog types the generator may emit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TypeSet {
    /// Every entry of [`crate::catalog::BUILTIN`].
    #[default]
    All,
    /// Only the types the platform's public docs list (entries with a `group`).
    Documented,
}

/// Options of a [`Generator`]. Equal options give equal output.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorOptions {
    /// The seed of every random choice.
    pub seed: u64,
    /// How types are chosen.
    pub mix: Mix,
    /// Which types may be chosen.
    pub types: TypeSet,
    /// The probability (0 to 1) that a line is malformed.
    pub malformed_rate: f64,
    /// The `seq` of the first event.
    pub start_seq: u64,
    /// The `context.timestamp` of the first event (Unix seconds).
    pub start_time_unix: i64,
}

impl Default for GeneratorOptions {
    fn default() -> Self {
        GeneratorOptions {
            seed: 1,
            mix: Mix::Realistic,
            types: TypeSet::All,
            malformed_rate: 0.0,
            start_seq: 7_000_000,
            start_time_unix: 1_748_822_400, // 2025-06-02T00:00:00Z
        }
    }
}

/// What [`Generator::write_line`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A well-formed event of this type.
    Event {
        /// The dotted type.
        event_type: &'static str,
    },
    /// A malformed line.
    Malformed {
        /// How it is malformed.
        reason: MalformedKind,
    },
}

/// The generator. See the [module docs](self).
pub struct Generator {
    options: GeneratorOptions,
    types: Vec<&'static str>,
    /// Cumulative weights of `types` for [`Mix::Realistic`].
    cumulative: Vec<u64>,
    /// The stream for malformed-line decisions and corruption.
    bad: R,
    line: u64,
    st: State,
}

impl std::fmt::Debug for Generator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generator")
            .field("options", &self.options)
            .field("types", &self.types.len())
            .field("lines", &self.line)
            .field("planted", &self.st.pii.len())
            .finish_non_exhaustive()
    }
}

impl Generator {
    /// A generator with these options.
    pub fn new(options: GeneratorOptions) -> Generator {
        let types = select_types(options.types);
        let mut cumulative = Vec::with_capacity(types.len());
        let mut total = 0u64;
        for t in &types {
            total += u64::from(payloads::realistic_weight(t).max(1));
            cumulative.push(total);
        }
        let mut bad = ChaCha8Rng::seed_from_u64(options.seed);
        bad.set_stream(1);
        let st = State::new(&options);
        Generator {
            options,
            types,
            cumulative,
            bad,
            line: 0,
            st,
        }
    }

    /// The options this generator was made with.
    pub fn options(&self) -> &GeneratorOptions {
        &self.options
    }

    /// The types this generator chooses from, in catalog order.
    pub fn types(&self) -> &[&'static str] {
        &self.types
    }

    /// Appends one NDJSON line, without the trailing newline, to `out`, and says what it was.
    /// Malformed lines may be empty or invalid UTF-8.
    pub fn write_line(&mut self, out: &mut Vec<u8>) -> LineKind {
        let rate = self.malformed_rate();
        let malformed = rate > 0.0 && self.bad.random::<f64>() < rate;
        let event_type = self.next_type();
        let planted_before = self.st.pii.len();
        let event = self.st.event(event_type);
        if !malformed {
            event.write(out);
            return LineKind::Event { event_type };
        }
        let start = out.len();
        let reason = malformed::write(&mut self.bad, &event, out);
        let written = &out[start..];
        self.st.pii.retain_from(planted_before, |value| {
            contains(written, value.as_bytes()) || contains(written, &escaped(value))
        });
        LineKind::Malformed { reason }
    }

    /// The next event as a `serde_json::Value` (never malformed). It takes the same random draws
    /// as [`write_line`](Self::write_line) takes for the event of a line, and none of the
    /// malformed-line stream.
    pub fn next_event(&mut self) -> serde_json::Value {
        let event_type = self.next_type();
        self.st.event(event_type).to_value()
    }

    /// Every PII value planted so far, deduplicated, in first-planted order, with its kind.
    pub fn planted(&self) -> &[(PiiKind, String)] {
        self.st.pii.list()
    }

    /// The number of values in [`planted`](Self::planted).
    pub fn planted_count(&self) -> usize {
        self.st.pii.len()
    }

    fn malformed_rate(&self) -> f64 {
        let r = self.options.malformed_rate;
        if r.is_nan() {
            0.0
        } else {
            r.clamp(0.0, 1.0)
        }
    }

    fn next_type(&mut self) -> &'static str {
        let line = self.line;
        self.line += 1;
        if self.types.is_empty() {
            return "user.authenticated";
        }
        match self.options.mix {
            Mix::Uniform => self.types[(line % self.types.len() as u64) as usize],
            Mix::Realistic => {
                let total = *self.cumulative.last().unwrap_or(&1);
                let x = self.st.rng.random_range(0..total);
                let i = self.cumulative.partition_point(|&c| c <= x);
                self.types[i.min(self.types.len() - 1)]
            }
        }
    }
}

/// The types of a type set, in catalog order. Falls back to the generator's own list of types
/// when the catalog is empty.
fn select_types(set: TypeSet) -> Vec<&'static str> {
    let from_catalog: Vec<&'static str> = BUILTIN
        .iter()
        .filter(|e| set == TypeSet::All || e.group.is_some())
        .map(|e| -> &'static str { &e.event_type })
        .collect();
    if !from_catalog.is_empty() {
        return from_catalog;
    }
    payloads::KNOWN_TYPES
        .iter()
        .filter(|(_, documented)| set == TypeSet::All || *documented)
        .map(|(t, _)| *t)
        .collect()
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() {
        return true;
    }
    if needle.len() > haystack.len() {
        return false;
    }
    let first = needle[0];
    let last_start = haystack.len() - needle.len();
    let mut i = 0;
    while i <= last_start {
        match haystack[i..=last_start].iter().position(|&b| b == first) {
            None => return false,
            Some(off) => {
                let at = i + off;
                if &haystack[at..at + needle.len()] == needle {
                    return true;
                }
                i = at + 1;
            }
        }
    }
    false
}

// === the generator's world and per-event state ===

/// Who made the request an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// An end user (or a server using the app's endpoints); the request origin is `State::cur`.
    User,
    /// The Admin API, called by a portal collaborator (`proxied`) or with an API key.
    AdminApi { admin: usize, proxied: bool },
    /// The portal (project events).
    Portal { admin: usize },
    /// The site-admin console.
    SiteAdmin,
    /// A background job.
    System,
}

impl Via {
    fn triggered_by(self) -> &'static str {
        match self {
            Via::User => "user",
            Via::AdminApi { .. } => "admin_api",
            Via::Portal { .. } => "portal",
            Via::SiteAdmin => "site_admin",
            Via::System => "system",
        }
    }
}

/// `context.user_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Uid {
    Subject(String),
    Empty,
    Null,
}

/// What a payload builder decides about an event.
#[derive(Debug)]
pub(crate) struct Draft {
    pub(crate) payload: J,
    pub(crate) uid: Uid,
    pub(crate) via: Via,
    /// `audit_context.http_url` for end-user requests and direct Admin API calls.
    pub(crate) url: Option<String>,
    /// `audit_context.http_referer` (a portal page) for portal and proxied Admin API requests.
    pub(crate) referer: Option<String>,
}

/// Where an end-user request came from.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    pub(crate) ip: String,
    /// The country the IP is geolocated in (`None`: unknown, `geo_location_code` is null).
    pub(crate) geo: Option<&'static Country>,
    /// The country of the IP even when geolocation failed.
    pub(crate) ip_country: &'static Country,
    pub(crate) ua: String,
    pub(crate) client: Client,
    pub(crate) langs: &'static [&'static str],
    /// A server calling the token endpoint (M2M).
    pub m2m: bool,
}

/// The app's OAuth clients.
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    pub(crate) web: String,
    pub(crate) ios: String,
    pub(crate) android: String,
    pub m2m: String,
}

/// An access-control object of the app (role or group) with a stable id.
#[derive(Debug, Clone)]
pub(crate) struct Named {
    pub(crate) id: String,
    pub(crate) key: &'static str,
    pub(crate) created: i64,
}

const POOL_MIN: usize = 200;
const POOL_MAX: usize = 2_000;
/// The probability that a person-picking event meets someone new.
const NEW_PERSON_RATE: f64 = 0.05;

/// Everything the payload builders share.
pub(crate) struct State {
    pub(crate) rng: R,
    pub(crate) app: App,
    pub(crate) people: Vec<Person>,
    pub(crate) admins: Vec<Admin>,
    pub(crate) site_admin: Admin,
    pub(crate) clients: Clients,
    pub(crate) server_ip: String,
    pub(crate) server_ua: &'static str,
    pub(crate) roles: Vec<Named>,
    pub(crate) groups: Vec<Named>,
    pub(crate) now: i64,
    pub(crate) seq: u64,
    started: bool,
    pub(crate) pii: Registry,
    /// The end-user origin of the event being built.
    pub(crate) cur: Option<Origin>,
}

impl State {
    fn new(options: &GeneratorOptions) -> State {
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        let app = people::make_app(&mut rng);
        let admins = (0..4).map(|_| people::make_admin(&mut rng, &app)).collect();
        let site_admin = people::make_admin(&mut rng, &app);
        let clients = Clients {
            web: hex(&mut rng, 16),
            ios: hex(&mut rng, 16),
            android: hex(&mut rng, 16),
            m2m: hex(&mut rng, 16),
        };
        let server_ip = people::make_ip(&mut rng, &people::COUNTRIES[0]);
        let server_ua = pick(&mut rng, people::SERVER_AGENTS);
        let start = options.start_time_unix;
        let named = |rng: &mut R, keys: &[&'static str]| -> Vec<Named> {
            keys.iter()
                .map(|k| Named {
                    id: people::uuid(rng),
                    key: k,
                    created: start - rng.random_range(86_400..400 * 86_400),
                })
                .collect()
        };
        let roles = named(&mut rng, people::ROLES);
        let groups = named(&mut rng, people::GROUPS);
        State {
            rng,
            app,
            people: Vec::with_capacity(POOL_MAX),
            admins,
            site_admin,
            clients,
            server_ip,
            server_ua,
            roles,
            groups,
            now: options.start_time_unix,
            seq: options.start_seq,
            started: false,
            pii: Registry::default(),
            cur: None,
        }
    }

    /// Builds the next event of type `t`.
    fn event(&mut self, t: &'static str) -> J {
        self.tick();
        self.cur = None;
        let draft = payloads::build(self, t);
        let context = self.context(draft.uid, draft.via, draft.url, draft.referer);
        J::Obj(vec![
            ("id", J::Str(format!("{:016x}", self.seq))),
            ("seq", J::Int(self.seq as i64)),
            ("type", J::S(t)),
            ("payload", draft.payload),
            ("context", context),
        ])
    }

    /// Advances the clock and the sequence.
    fn tick(&mut self) {
        if self.started {
            self.seq += 1;
            if chance(&mut self.rng, 0.08) {
                self.seq += self.rng.random_range(1..=3);
            }
            self.now += match self.rng.random_range(0..20u32) {
                0..=7 => 0,
                8..=13 => 1,
                14..=16 => 2,
                _ => self.rng.random_range(3..=5),
            };
        }
        self.started = true;
    }

    /// Lists a PII value and returns it as a JSON string.
    pub(crate) fn p(&mut self, kind: PiiKind, value: String) -> J {
        self.pii.plant(kind, &value);
        J::Str(value)
    }

    /// Random microseconds for RFC 3339 timestamps.
    pub(crate) fn micros(&mut self) -> u32 {
        self.rng.random_range(1..1_000_000)
    }

    /// An RFC 3339 timestamp at `secs` with random microseconds.
    pub(crate) fn ts(&mut self, secs: i64) -> J {
        let us = self.micros();
        J::Str(json::rfc3339(secs, us))
    }

    /// A URL on the app's host.
    pub(crate) fn url(&self, path: &str) -> String {
        let mut u = String::with_capacity(self.app.origin.len() + path.len());
        u.push_str(&self.app.origin);
        u.push_str(path);
        u
    }

    /// A URL on the app's host, one of `paths`.
    pub(crate) fn url_pick(&mut self, paths: &[&str]) -> String {
        let path = pick(&mut self.rng, paths);
        self.url(path)
    }

    /// A URL of a one-time link (`reset_password` or `verify_login_link`); the code is listed.
    pub(crate) fn link_url(&mut self, page: &str) -> String {
        let code = people::base32(&mut self.rng, 32);
        self.pii.plant(PiiKind::OtpLinkCode, &code);
        format!("{}/authflow/v2/{page}?code={code}", self.app.origin)
    }

    /// A person from the pool, sometimes a new one.
    pub(crate) fn person(&mut self) -> usize {
        if self.people.len() < POOL_MIN || chance(&mut self.rng, NEW_PERSON_RATE) {
            return self.new_person(Want::default());
        }
        // A quarter of the pool are regulars who show up half of the time.
        let n = self.people.len();
        if chance(&mut self.rng, 0.5) {
            self.rng.random_range(0..n.div_ceil(4))
        } else {
            self.rng.random_range(0..n)
        }
    }

    /// A person who is not anonymous and has what `want` asks for (or is anonymous, when
    /// `want.anonymous`).
    pub(crate) fn person_with(&mut self, want: Want) -> usize {
        for _ in 0..12 {
            let i = self.person();
            let p = &self.people[i];
            let ok = p.anonymous == want.anonymous
                && (!want.email || p.email.is_some())
                && (!want.phone || p.phone.is_some())
                && (!want.username || p.username.is_some())
                && (!want.device || p.agent.device.is_some());
            if ok {
                return i;
            }
        }
        self.new_person(want)
    }

    /// A new person, added to the pool.
    pub(crate) fn new_person(&mut self, want: Want) -> usize {
        let p = people::make_person(&mut self.rng, &self.app, self.now, want);
        if self.people.len() < POOL_MAX {
            self.people.push(p);
            self.people.len() - 1
        } else {
            let i = self.rng.random_range(0..self.people.len());
            self.people[i] = p;
            i
        }
    }

    /// Takes a person out of the pool (deleted or anonymized accounts do not come back).
    pub(crate) fn retire(&mut self, i: usize) {
        if i < self.people.len() {
            self.people.swap_remove(i);
        }
    }

    /// Sets the end-user origin of this event to person `i` (usually their own IP and device).
    pub(crate) fn begin(&mut self, i: usize) {
        let p = &self.people[i];
        let (ip, country) = if chance(&mut self.rng, 0.12) {
            let c = if chance(&mut self.rng, 0.7) {
                p.country
            } else {
                people::pick_country(&mut self.rng)
            };
            (people::make_ip(&mut self.rng, c), c)
        } else {
            (p.ip.clone(), p.country)
        };
        let geo = if chance(&mut self.rng, 0.03) {
            None
        } else {
            Some(country)
        };
        self.cur = Some(Origin {
            ip,
            geo,
            ip_country: country,
            ua: p.agent.ua.clone(),
            client: p.agent.client,
            langs: p.langs,
            m2m: false,
        });
    }

    /// Sets the origin of this event to the app's backend (M2M token requests).
    pub(crate) fn begin_server(&mut self) {
        self.cur = Some(Origin {
            ip: self.server_ip.clone(),
            geo: Some(&people::COUNTRIES[0]),
            ip_country: &people::COUNTRIES[0],
            ua: self.server_ua.to_owned(),
            client: Client::Desktop,
            langs: &[],
            m2m: true,
        });
    }

    /// The current end-user origin (set with [`begin`](Self::begin)).
    pub(crate) fn origin(&mut self) -> &Origin {
        if self.cur.is_none() {
            let p = self.person();
            self.begin(p);
        }
        self.cur.as_ref().expect("origin set above")
    }

    /// An Admin API caller: a portal collaborator (75%) or a backend with an API key.
    pub(crate) fn admin_via(&mut self) -> Via {
        let admin = self.rng.random_range(0..self.admins.len());
        Via::AdminApi {
            admin,
            proxied: chance(&mut self.rng, 0.75),
        }
    }

    /// A portal caller.
    pub(crate) fn portal_via(&mut self) -> Via {
        Via::Portal {
            admin: self.rng.random_range(0..self.admins.len()),
        }
    }

    /// A portal page URL.
    pub(crate) fn portal_page(&self, page: &str) -> String {
        format!("https://portal.authgear.com/project/{}/{page}", self.app.id)
    }

    /// The app language chosen for preferred languages `langs`.
    fn language(&self, langs: &[&'static str]) -> &'static str {
        let supported = self.app.languages;
        for l in langs {
            if let Some(s) = supported.iter().find(|s| **s == *l) {
                return s;
            }
            let base = l.split('-').next().unwrap_or(l);
            if let Some(s) = supported.iter().find(|s| **s == base) {
                return s;
            }
        }
        supported[0]
    }

    fn context(&mut self, uid: Uid, via: Via, url: Option<String>, referer: Option<String>) -> J {
        let mut c: Vec<(&'static str, J)> = Vec::with_capacity(13);
        c.push(("timestamp", J::Int(self.now)));
        c.push((
            "user_id",
            match uid {
                Uid::Subject(id) => J::Str(id),
                Uid::Empty => J::S(""),
                Uid::Null => J::Null,
            },
        ));
        c.push(("triggered_by", J::S(via.triggered_by())));
        let tracking = |st: &mut State, p: f64| -> Option<J> {
            if chance(&mut st.rng, p) {
                let trace = hex(&mut st.rng, 32);
                let span = hex(&mut st.rng, 16);
                Some(J::Str(format!("{trace}-{span}")))
            } else {
                None
            }
        };
        match via {
            Via::User => {
                self.origin();
                let o = self.cur.take().expect("origin set");
                let url = url.unwrap_or_else(|| self.url("/oauth2/authorize"));
                let with_state =
                    !o.m2m && !url.contains("/settings") && chance(&mut self.rng, 0.35);
                c.push(("audit_context", J::Obj(vec![("http_url", J::Str(url))])));
                c.push(("preferred_languages", json::static_arr(o.langs)));
                c.push(("language", J::S(self.language(o.langs))));
                if with_state {
                    let state = hex(&mut self.rng, 32);
                    c.push(("oauth", J::Obj(vec![("state", J::Str(state))])));
                }
                let ip = self.p(PiiKind::Ip, o.ip);
                c.push(("ip_address", ip));
                c.push(("geo_location_code", o.geo.map_or(J::Null, |g| J::S(g.code))));
                let ua = self.p(PiiKind::UserAgent, o.ua);
                c.push(("user_agent", ua));
                c.push(("app_id", J::S(self.app.id)));
                let client = if o.m2m {
                    Some(&self.clients.m2m)
                } else if chance(&mut self.rng, 0.9) {
                    Some(match o.client {
                        Client::Desktop | Client::MobileWeb => &self.clients.web,
                        Client::Ios => &self.clients.ios,
                        Client::Android => &self.clients.android,
                    })
                } else {
                    None
                };
                if let Some(client) = client {
                    c.push(("client_id", J::Str(client.clone())));
                }
                if let Some(t) = tracking(self, 0.92) {
                    c.push(("tracking_id", t));
                }
            }
            Via::AdminApi { admin, proxied } => {
                let endpoint = self.url("/_api/admin/graphql");
                if proxied {
                    let a = &self.admins[admin];
                    let (id, ip, ua, country) =
                        (a.id.clone(), a.ip.clone(), a.ua.clone(), a.country);
                    let referer = referer.unwrap_or_else(|| self.portal_page("users"));
                    c.push((
                        "audit_context",
                        J::Obj(vec![
                            ("actor_user_id", J::Str(id)),
                            ("http_referer", J::Str(referer)),
                            ("http_url", J::Str(endpoint)),
                            ("usage", J::S("proxy")),
                        ]),
                    ));
                    let langs = country.langs[0];
                    c.push(("preferred_languages", json::static_arr(langs)));
                    c.push(("language", J::S(self.language(langs))));
                    let ip = self.p(PiiKind::Ip, ip);
                    c.push(("ip_address", ip));
                    c.push(("geo_location_code", J::S(country.code)));
                    let ua = self.p(PiiKind::UserAgent, ua);
                    c.push(("user_agent", ua));
                } else {
                    c.push((
                        "audit_context",
                        J::Obj(vec![("http_url", J::Str(url.unwrap_or(endpoint)))]),
                    ));
                    c.push(("preferred_languages", J::Arr(Vec::new())));
                    c.push(("language", J::S(self.app.languages[0])));
                    let ip = self.p(PiiKind::Ip, self.server_ip.clone());
                    c.push(("ip_address", ip));
                    c.push(("geo_location_code", J::S("US")));
                    let ua = self.p(PiiKind::UserAgent, self.server_ua.to_owned());
                    c.push(("user_agent", ua));
                }
                c.push(("app_id", J::S(self.app.id)));
                if let Some(t) = tracking(self, 0.95) {
                    c.push(("tracking_id", t));
                }
            }
            Via::Portal { admin } => {
                let a = self.admins[admin].clone();
                self.portal_context(
                    &mut c,
                    &a,
                    referer,
                    "https://portal.authgear.com/api/graphql",
                    self.app.id,
                );
                if let Some(t) = tracking(self, 0.95) {
                    c.push(("tracking_id", t));
                }
            }
            Via::SiteAdmin => {
                let a = self.site_admin.clone();
                self.portal_context(
                    &mut c,
                    &a,
                    referer,
                    "https://portal.authgear.com/api/siteadmin/graphql",
                    "accounts",
                );
                if let Some(t) = tracking(self, 0.95) {
                    c.push(("tracking_id", t));
                }
            }
            Via::System => {
                c.push(("audit_context", J::Obj(vec![("http_url", J::S(""))])));
                c.push(("preferred_languages", J::Arr(Vec::new())));
                c.push(("language", J::S(self.app.languages[0])));
                c.push(("geo_location_code", J::Null));
                c.push(("app_id", J::S(self.app.id)));
                if let Some(t) = tracking(self, 0.5) {
                    c.push(("tracking_id", t));
                }
            }
        }
        J::Obj(c)
    }

    fn portal_context(
        &mut self,
        c: &mut Vec<(&'static str, J)>,
        a: &Admin,
        referer: Option<String>,
        endpoint: &'static str,
        app_id: &'static str,
    ) {
        let referer = referer.unwrap_or_else(|| self.portal_page("getting-started"));
        c.push((
            "audit_context",
            J::Obj(vec![
                ("actor_user_id", J::Str(a.id.clone())),
                ("http_referer", J::Str(referer)),
                ("http_url", J::S(endpoint)),
                ("usage", J::S("internal")),
            ]),
        ));
        c.push(("preferred_languages", json::static_arr(a.country.langs[0])));
        c.push(("language", J::S("")));
        let ip = self.p(PiiKind::Ip, a.ip.clone());
        c.push(("ip_address", ip));
        c.push(("geo_location_code", J::S(a.country.code)));
        let ua = self.p(PiiKind::UserAgent, a.ua.clone());
        c.push(("user_agent", ua));
        c.push(("app_id", J::S(app_id)));
    }
}
