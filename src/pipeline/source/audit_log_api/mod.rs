//! The `audit_log_api` source: polls the reference platform's Admin API GraphQL `auditLogs`
//! query and feeds its nodes through the pipeline.
//!
//! This module owns the polling loop, de-duplication at page and poll boundaries, back-off,
//! and when the checkpoint moves; [`jwt`] owns authentication, [`graphql`] the HTTP request and
//! the classification of answers, [`checkpoint`] the position and its file.
//!
//! How it polls:
//! - A *poll* asks for `auditLogs(first: page_size, rangeFrom: <checkpoint time>,
//!   activityTypes, sortDirection: ASC)` and follows `endCursor` while `hasNextPage`. Once caught
//!   up it sleeps `poll_interval_secs` (cut short by shutdown) and polls again from the
//!   checkpoint. After [`RESTART_AFTER_PAGES`] pages it starts a new poll from the checkpoint, so
//!   the server's offset cursors stay small during a long catch-up.
//! - The log is ordered by `createdAt` alone (second resolution), so the position is a time plus
//!   the node ids already delivered at that time; nodes at that time with a listed id are
//!   skipped, as are ids seen earlier in the same poll. The pipeline's dedup window drops any
//!   other repeat.
//! - Each page's records are submitted together; the checkpoint moves (atomically written file)
//!   only once the page's receipt says [`Delivery::Safe`]. The next page is fetched while the
//!   previous receipt is pending. A [`Delivery::Lost`] receipt ends the poll without moving the
//!   checkpoint (the dedup claims are given back) and the next poll, after a back-off, starts
//!   again from the checkpoint. A restart therefore resumes without duplicates or gaps.
//! - Errors never end the source: 429 and 5xx wait for `Retry-After` or an exponential back-off
//!   with jitter; GraphQL `errors`, malformed answers and network errors back off; 401/403 log
//!   "check key_id and private_key" and back off longer. Only a configuration problem at start
//!   (endpoint, key, checkpoint, ...) is a [`SourceError`].
//! - Logs carry status codes, counts, configuration and the server's own GraphQL error messages
//!   (truncated); never node content or the key.

pub mod checkpoint;
pub mod graphql;
pub mod jwt;

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::catalog::is_activity_form;
use crate::event::AuditEvent;
use crate::otel::encode::EncodedRecords;
use crate::pipeline::ack::{Delivery, Receipt};
use crate::pipeline::config::AuditLogApiSourceConfig;
use crate::pipeline::dedup::IdClaim;
use crate::pipeline::ingest::{SourceContext, Verdict};

use super::SourceError;
use checkpoint::{parse_time, CheckpointFile, Position};
use graphql::{GraphQlClient, Page, PageRequest, PageResult};
use jwt::TokenSigner;

pub use jwt::{set_token_timing_for_tests, TokenTiming};

/// Pages after which a poll starts again from the checkpoint (offset cursors grow with depth).
pub const RESTART_AFTER_PAGES: usize = 20;
/// Largest `page_size`.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// How long a pending receipt is awaited once shutdown has begun.
const SHUTDOWN_SETTLE: Duration = Duration::from_millis(1500);
/// Ids remembered per poll for de-duplication across its pages.
const SEEN_CAP: usize = 200_000;
/// Transient failures: first back-off, and the longest.
const BACKOFF_BASE: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(300);
/// Refused credentials: first back-off, and the longest.
const AUTH_BACKOFF_BASE: Duration = Duration::from_secs(60);
const AUTH_BACKOFF_MAX: Duration = Duration::from_secs(900);
/// Bounds on a server's `Retry-After`.
const RETRY_AFTER_MIN: Duration = Duration::from_millis(200);
const RETRY_AFTER_MAX: Duration = Duration::from_secs(3600);

/// Runs the source until shutdown. Fails only when the configuration cannot work (bad
/// endpoint, unreadable key, unreadable checkpoint, ...); errors while polling are logged and
/// retried.
pub async fn run(cfg: AuditLogApiSourceConfig, ctx: SourceContext) -> Result<(), SourceError> {
    let fail = |problems: Vec<String>| SourceError {
        source_name: ctx.name().to_owned(),
        message: problems.join("; "),
    };
    let s = setup(&cfg, &ctx).map_err(fail)?;
    let max_body = (cfg.page_size as usize)
        .saturating_mul(ctx.max_event_bytes().saturating_add(8 * 1024))
        .saturating_add(1024 * 1024)
        .min(1024 * 1024 * 1024);
    let client = GraphQlClient::new(s.endpoint.clone(), max_body).map_err(|e| fail(vec![e]))?;
    tracing::info!(
        source = ctx.name(),
        endpoint = %s.endpoint,
        from = s.start.range_from().as_deref().unwrap_or("the beginning of the log"),
        page_size = cfg.page_size,
        activity_types = s.activity_types.len(),
        "Polling the Admin API audit log."
    );
    let fetcher = Fetcher {
        name: ctx.name().to_owned(),
        client,
        signer: s.signer,
        page_size: cfg.page_size,
        activity_types: s.activity_types,
        backoff: Backoff::new(BACKOFF_BASE, BACKOFF_MAX),
        auth_backoff: Backoff::new(AUTH_BACKOFF_BASE, AUTH_BACKOFF_MAX),
        failing: false,
        stop: ctx.shutdown().clone(),
    };
    let mut poller = Poller {
        pages: fetcher,
        feed: ctx,
        file: s.file,
        committed: s.start,
        page_size: cfg.page_size,
        poll_interval: s.poll_interval,
        lost_backoff: Backoff::new(BACKOFF_BASE, BACKOFF_MAX),
        node_no: 0,
    };
    poller.run().await;
    Ok(())
}

/// Where pages come from (the Admin API; a fake in unit tests).
trait Pages {
    /// The page after `after` (from `range_from`), waiting out failures; `None` on shutdown.
    fn fetch(
        &mut self,
        after: Option<&str>,
        range_from: Option<&str>,
    ) -> impl std::future::Future<Output = Option<Page>> + Send;
}

/// Where nodes go (the pipeline; a fake in unit tests): the part of [`SourceContext`] the
/// poller uses.
trait Feed {
    fn name(&self) -> &str;
    fn shutdown(&self) -> &CancellationToken;
    fn received(&self, n: u64);
    fn event(&self, bytes: &[u8], position: u64, out: &mut EncodedRecords) -> Verdict;
    fn reject_with(&self, kind: &'static str, message: &str, position: u64, input: &[u8]);
    fn submit(&self, records: EncodedRecords) -> impl std::future::Future<Output = Receipt> + Send;
    fn release(&self, claim: Option<IdClaim>);
}

impl Feed for SourceContext {
    fn name(&self) -> &str {
        SourceContext::name(self)
    }
    fn shutdown(&self) -> &CancellationToken {
        SourceContext::shutdown(self)
    }
    fn received(&self, n: u64) {
        SourceContext::received(self, n)
    }
    fn event(&self, bytes: &[u8], position: u64, out: &mut EncodedRecords) -> Verdict {
        let mut event = AuditEvent::default();
        SourceContext::event(self, bytes, position, &mut event, out)
    }
    fn reject_with(&self, kind: &'static str, message: &str, position: u64, input: &[u8]) {
        SourceContext::reject_with(self, kind, message, position, input)
    }
    fn submit(&self, records: EncodedRecords) -> impl std::future::Future<Output = Receipt> + Send {
        SourceContext::submit(self, records)
    }
    fn release(&self, claim: Option<IdClaim>) {
        SourceContext::release(self, claim)
    }
}

/// The configuration, checked, and what it opens.
struct Setup {
    endpoint: http::Uri,
    signer: TokenSigner,
    file: CheckpointFile,
    start: Position,
    activity_types: Vec<String>,
    poll_interval: Duration,
}

fn setup(cfg: &AuditLogApiSourceConfig, ctx: &SourceContext) -> Result<Setup, Vec<String>> {
    let mut problems = Vec::new();
    if cfg.project_id.trim().is_empty() {
        problems.push("`project_id`: is empty; set the project id shown in the portal".to_owned());
    }
    let endpoint_text = match &cfg.endpoint {
        Some(e) => e.clone(),
        None => {
            if !cfg
                .project_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                problems.push(format!(
                    "`project_id`: {:?} cannot be a host name for the default endpoint; fix it or set `endpoint`",
                    cfg.project_id
                ));
            }
            format!(
                "https://{}.authgear.cloud/_api/admin/graphql",
                cfg.project_id
            )
        }
    };
    let endpoint = match graphql::parse_endpoint(&endpoint_text) {
        Ok(u) => Some(u),
        Err(e) => {
            problems.push(format!("`endpoint`: {e}"));
            None
        }
    };
    if cfg.key_id.trim().is_empty() {
        problems.push(
            "`key_id`: is empty; set the Admin API key id shown in the portal (Advanced > Admin API)"
                .to_owned(),
        );
    }
    if cfg.page_size == 0 || cfg.page_size > MAX_PAGE_SIZE {
        problems.push(format!(
            "`page_size`: {} is outside 1..={MAX_PAGE_SIZE}; the default is 100",
            cfg.page_size
        ));
    }
    let poll_interval = if cfg.poll_interval_secs.is_finite()
        && (0.1..=86_400.0).contains(&cfg.poll_interval_secs)
    {
        Duration::from_secs_f64(cfg.poll_interval_secs)
    } else {
        problems.push(format!(
            "`poll_interval_secs`: {} is outside 0.1..=86400; the default is 30",
            cfg.poll_interval_secs
        ));
        Duration::from_secs(30)
    };
    let mut activity_types = Vec::new();
    for (i, t) in cfg.activity_types.iter().enumerate() {
        let a = ctx.core().catalog().activity(t.trim()).into_owned();
        if !is_activity_form(&a) {
            problems.push(format!(
                "`activity_types[{i}]`: {t:?} is not an activity type; use the upper-snake form, e.g. USER_AUTHENTICATED"
            ));
            continue;
        }
        if ctx.core().catalog().lookup(&a).is_none() || a.starts_with("SITE_ADMIN_") {
            tracing::warn!(
                source = ctx.name(),
                activity_type = %a,
                "`activity_types` lists a type the Admin API may not know; if the server answers with a GraphQL error about it, remove it."
            );
        }
        if !activity_types.contains(&a) {
            activity_types.push(a);
        }
    }
    let start_time = match &cfg.start_time {
        None => None,
        Some(s) => match parse_time(s) {
            Some(t) => Some(t),
            None => {
                problems.push(format!(
                    "`start_time`: {s:?} is not an RFC 3339 time; use e.g. 2025-06-01T00:00:00Z"
                ));
                None
            }
        },
    };
    let signer = match cfg.private_key.read() {
        Err(e) => {
            problems.push(format!("`private_key`: {e}"));
            None
        }
        Ok(mut pem) => {
            let s = TokenSigner::new(
                &pem,
                &cfg.key_id,
                &cfg.project_id,
                jwt::timing_for(&cfg.project_id),
            );
            pem.fill(0);
            match s {
                Ok(s) => Some(s),
                Err(e) => {
                    problems.push(format!(
                        "`private_key` ({}): {e}",
                        cfg.private_key.describe()
                    ));
                    None
                }
            }
        }
    };
    let file = CheckpointFile::new(&cfg.checkpoint, &cfg.project_id);
    let start = match file.prepare().and_then(|()| file.load()) {
        Ok(Some(p)) => Some(p),
        Ok(None) => Some(Position::starting_at(start_time)),
        Err(e) => {
            problems.push(format!("`checkpoint`: {e}"));
            None
        }
    };
    match (endpoint, signer, start) {
        (Some(endpoint), Some(signer), Some(start)) if problems.is_empty() => Ok(Setup {
            endpoint,
            signer,
            file,
            start,
            activity_types,
            poll_interval,
        }),
        _ => Err(problems),
    }
}

/// Exponential back-off with jitter (each wait between half and all of the current step).
#[derive(Debug)]
struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    fn new(base: Duration, max: Duration) -> Backoff {
        Backoff {
            base,
            max,
            attempt: 0,
        }
    }

    fn next(&mut self) -> Duration {
        let step = self
            .base
            .saturating_mul(1u32 << self.attempt.min(20))
            .min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let half = step / 2;
        half + half.mul_f64(rand::random::<f64>())
    }

    fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// Sleeps unless shutdown comes first; `false` on shutdown.
async fn sleep_or_stop(d: Duration, stop: &CancellationToken) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => true,
        _ = stop.cancelled() => false,
    }
}

/// Requests pages, waiting out failures.
struct Fetcher {
    name: String,
    client: GraphQlClient,
    signer: TokenSigner,
    page_size: u32,
    activity_types: Vec<String>,
    backoff: Backoff,
    auth_backoff: Backoff,
    failing: bool,
    stop: CancellationToken,
}

impl Pages for Fetcher {
    async fn fetch(&mut self, after: Option<&str>, range_from: Option<&str>) -> Option<Page> {
        loop {
            if self.stop.is_cancelled() {
                return None;
            }
            let token = match self.signer.token() {
                Ok(t) => t.to_owned(),
                Err(e) => {
                    let wait = self.backoff.next();
                    tracing::error!(source = %self.name, error = %e, retry_in_secs = wait.as_secs_f64(), "Cannot sign the Admin API token; check private_key.");
                    if !sleep_or_stop(wait, &self.stop).await {
                        return None;
                    }
                    continue;
                }
            };
            let req = PageRequest {
                first: self.page_size,
                after,
                range_from,
                activity_types: &self.activity_types,
            };
            let result = tokio::select! {
                r = self.client.page(&req, &token) => r,
                _ = self.stop.cancelled() => return None,
            };
            let wait = match self.wait_after(result) {
                Ok(page) => return Some(page),
                Err(w) => w,
            };
            self.failing = true;
            if !sleep_or_stop(wait, &self.stop).await {
                return None;
            }
        }
    }
}

impl Fetcher {
    /// The page, or how long to wait before asking again (the failure is logged here).
    fn wait_after(&mut self, result: PageResult) -> Result<Page, Duration> {
        let name = self.name.as_str();
        let retry_after = |d: Duration| d.clamp(RETRY_AFTER_MIN, RETRY_AFTER_MAX);
        let wait = match result {
            PageResult::Page(p) => {
                if self.failing {
                    tracing::info!(
                        source = name,
                        "The Admin API answers again; polling resumes."
                    );
                }
                self.failing = false;
                self.backoff.reset();
                self.auth_backoff.reset();
                return Ok(p);
            }
            PageResult::Throttled(ra) => {
                let wait = ra.map(retry_after).unwrap_or_else(|| self.backoff.next());
                tracing::warn!(
                    source = name,
                    status = 429,
                    retry_after_given = ra.is_some(),
                    retry_in_secs = wait.as_secs_f64(),
                    "The Admin API is throttling this source; waiting."
                );
                wait
            }
            PageResult::ServerError(status, ra) => {
                let wait = ra.map(retry_after).unwrap_or_else(|| self.backoff.next());
                tracing::warn!(
                    source = name,
                    status = status.as_u16(),
                    retry_in_secs = wait.as_secs_f64(),
                    "The Admin API failed (server error); backing off."
                );
                wait
            }
            PageResult::Unauthorized(status) => {
                self.signer.invalidate();
                let wait = self.auth_backoff.next();
                tracing::error!(
                    source = name,
                    status = status.as_u16(),
                    retry_in_secs = wait.as_secs_f64(),
                    "The Admin API refused the token; check key_id and private_key (the project's Admin API key) and project_id."
                );
                wait
            }
            PageResult::OtherStatus(status, messages) => {
                let wait = self.backoff.next();
                tracing::error!(
                    source = name,
                    status = status.as_u16(),
                    server_messages = %messages.join(" | "),
                    retry_in_secs = wait.as_secs_f64(),
                    "The Admin API refused the request; check endpoint."
                );
                wait
            }
            PageResult::GraphQl(messages) => {
                let wait = self.backoff.next();
                tracing::warn!(
                    source = name,
                    server_messages = %messages.join(" | "),
                    retry_in_secs = wait.as_secs_f64(),
                    "The Admin API answered with GraphQL errors; backing off."
                );
                wait
            }
            PageResult::Malformed(what) => {
                let wait = self.backoff.next();
                tracing::warn!(
                    source = name,
                    problem = %what,
                    retry_in_secs = wait.as_secs_f64(),
                    "Unexpected answer from the Admin API; backing off. Check endpoint."
                );
                wait
            }
            PageResult::Network(what) => {
                let wait = self.backoff.next();
                tracing::warn!(
                    source = name,
                    error = %what,
                    retry_in_secs = wait.as_secs_f64(),
                    "Cannot reach the Admin API; backing off."
                );
                wait
            }
        };
        Err(wait)
    }
}

/// A submitted page whose receipt has not resolved yet.
struct Pending {
    receipt: Receipt,
    position: Position,
    claims: Vec<Option<IdClaim>>,
}

/// What became of a pending page.
enum Settled {
    Nothing,
    Safe(Position),
    Lost(Vec<Option<IdClaim>>),
    /// Shutdown came and the receipt did not resolve in time.
    Unresolved,
}

async fn settle(p: Option<Pending>, stop: CancellationToken) -> Settled {
    let Some(Pending {
        receipt,
        position,
        claims,
    }) = p
    else {
        return Settled::Nothing;
    };
    let wait = receipt.wait();
    tokio::pin!(wait);
    let outcome = tokio::select! {
        biased;
        d = &mut wait => Some(d),
        _ = stop.cancelled() => tokio::time::timeout(SHUTDOWN_SETTLE, &mut wait).await.ok(),
    };
    match outcome {
        Some(Delivery::Safe) => Settled::Safe(position),
        Some(Delivery::Lost) => Settled::Lost(claims),
        None => Settled::Unresolved,
    }
}

/// How a poll ended.
#[derive(Debug, PartialEq, Eq)]
enum PollEnd {
    /// No next page.
    CaughtUp,
    /// Many pages read: poll again from the checkpoint at once.
    Restart,
    /// A page was not delivered: back off, then poll again from the checkpoint.
    Lost,
    /// Shutdown.
    Stop,
}

struct Poller<P, F> {
    pages: P,
    feed: F,
    file: CheckpointFile,
    committed: Position,
    page_size: u32,
    poll_interval: Duration,
    lost_backoff: Backoff,
    /// Number of the last node handed to the pipeline (positions in logs and dead letters).
    node_no: u64,
}

impl<P: Pages, F: Feed> Poller<P, F> {
    async fn run(&mut self) {
        let stop = self.feed.shutdown().clone();
        loop {
            if stop.is_cancelled() {
                break;
            }
            let wait = match self.poll().await {
                PollEnd::CaughtUp => {
                    self.lost_backoff.reset();
                    self.poll_interval
                }
                PollEnd::Restart => continue,
                PollEnd::Lost => {
                    let wait = self.lost_backoff.next();
                    tracing::warn!(
                        source = self.feed.name(),
                        retry_in_secs = wait.as_secs_f64(),
                        "A page was not delivered to every sink; polling again from the checkpoint."
                    );
                    wait
                }
                PollEnd::Stop => break,
            };
            if !sleep_or_stop(wait, &stop).await {
                break;
            }
        }
        tracing::info!(
            source = self.feed.name(),
            checkpoint = self.committed.range_from().as_deref().unwrap_or("none"),
            "Audit log polling stopped."
        );
    }

    /// One poll: from the checkpoint, page after page.
    async fn poll(&mut self) -> PollEnd {
        let from = self.committed.clone();
        let range_from = from.range_from();
        let mut emitted = from.clone();
        let mut seen: HashSet<String> = HashSet::new();
        let mut after: Option<String> = None;
        let mut pending: Option<Pending> = None;
        let mut pages = 0usize;
        let stop = self.feed.shutdown().clone();
        loop {
            let (page, settled) = tokio::join!(
                self.pages.fetch(after.as_deref(), range_from.as_deref()),
                settle(pending.take(), stop.clone()),
            );
            if let Some(end) = self.apply(settled).await {
                return end;
            }
            let Some(page) = page else {
                return PollEnd::Stop;
            };
            pages += 1;
            let has_next = page.has_next_page;
            let next_cursor = page.end_cursor.clone();
            pending = Some(self.submit_page(page, &mut emitted, &mut seen).await);
            let end = if !has_next {
                Some(PollEnd::CaughtUp)
            } else if next_cursor.is_none() || next_cursor == after {
                tracing::warn!(
                    source = self.feed.name(),
                    "The Admin API said there is a next page but gave no new endCursor; polling again later."
                );
                Some(PollEnd::CaughtUp)
            } else if pages >= RESTART_AFTER_PAGES
                && emitted.created_at > from.created_at
                && emitted.ids_at_created_at.len() < self.page_size as usize
            {
                Some(PollEnd::Restart)
            } else {
                None
            };
            if let Some(end) = end {
                let settled = settle(pending.take(), stop.clone()).await;
                return self.apply(settled).await.unwrap_or(end);
            }
            after = next_cursor;
        }
    }

    /// Moves the checkpoint for a safe page; ends the poll for a lost or unresolved one.
    async fn apply(&mut self, settled: Settled) -> Option<PollEnd> {
        match settled {
            Settled::Nothing => None,
            Settled::Safe(pos) => {
                self.commit(pos).await;
                None
            }
            Settled::Lost(claims) => {
                for c in claims {
                    self.feed.release(c);
                }
                Some(PollEnd::Lost)
            }
            Settled::Unresolved => Some(PollEnd::Stop),
        }
    }

    /// Turns a page's new nodes into records and submits them.
    async fn submit_page(
        &mut self,
        page: Page,
        emitted: &mut Position,
        seen: &mut HashSet<String>,
    ) -> Pending {
        let mut records = EncodedRecords::new();
        let mut claims = Vec::with_capacity(page.nodes.len());
        for node in page.nodes {
            let key = node_key(&node);
            if let Some((id, t)) = &key {
                if emitted.delivered(*t, id) || seen.contains(id.as_str()) {
                    continue;
                }
            }
            self.node_no += 1;
            self.feed.received(1);
            let bytes = serde_json::to_vec(&node).unwrap_or_default();
            let Some((id, t)) = key else {
                self.feed.reject_with(
                    "invalid_node",
                    "audit-log node without a string `id` and an RFC 3339 `createdAt`",
                    self.node_no,
                    &bytes,
                );
                continue;
            };
            match self.feed.event(&bytes, self.node_no, &mut records) {
                Verdict::Record(c) => claims.push(c),
                Verdict::Duplicate | Verdict::Rejected(_) => {}
            }
            emitted.advance(t, &id);
            if seen.len() < SEEN_CAP {
                seen.insert(id);
            }
        }
        let n = records.len();
        let receipt = self.feed.submit(records).await;
        tracing::debug!(source = self.feed.name(), records = n, "Submitted a page.");
        Pending {
            receipt,
            position: emitted.clone(),
            claims,
        }
    }

    /// Makes a safe position the checkpoint (in memory at once; on disk when the write works).
    async fn commit(&mut self, pos: Position) {
        if pos == self.committed {
            return;
        }
        let file = self.file.clone();
        let to_save = pos.clone();
        let saved = tokio::task::spawn_blocking(move || file.save(&to_save)).await;
        match saved {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(
                source = self.feed.name(),
                path = %self.file.path().display(),
                error = %e.kind(),
                "Cannot write the checkpoint; a restart would re-send events. Check the folder's permissions and free space."
            ),
            Err(e) => {
                tracing::error!(source = self.feed.name(), error = %e, "The checkpoint writer failed.")
            }
        }
        self.committed = pos;
    }
}

/// A node's `id` and `createdAt`.
fn node_key(node: &Value) -> Option<(String, DateTime<Utc>)> {
    let id = node.get("id")?.as_str().filter(|s| !s.is_empty())?;
    let t = parse_time(node.get("createdAt")?.as_str()?)?;
    Some((id.to_owned(), t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(8));
        let waits: Vec<Duration> = (0..6).map(|_| b.next()).collect();
        for (i, w) in waits.iter().enumerate() {
            let step = Duration::from_secs((1u64 << i).min(8));
            assert!(*w >= step / 2 && *w <= step, "attempt {i}: {w:?}");
        }
        b.reset();
        assert!(b.next() <= Duration::from_secs(1));
    }

    /// Serves nodes as the Admin API does (ASC, `rangeFrom` inclusive, offset cursors).
    struct FakePages {
        nodes: Vec<Value>,
        page_size: usize,
        stop: CancellationToken,
    }

    impl Pages for FakePages {
        async fn fetch(&mut self, after: Option<&str>, range_from: Option<&str>) -> Option<Page> {
            if self.stop.is_cancelled() {
                return None;
            }
            let from = range_from.and_then(parse_time);
            let list: Vec<&Value> = self
                .nodes
                .iter()
                .filter(|n| from.is_none_or(|f| node_key(n).unwrap().1 >= f))
                .collect();
            let start = after
                .and_then(|a| a.strip_prefix("offset:")?.parse::<usize>().ok())
                .map_or(0, |i| i + 1);
            let end = (start + self.page_size).min(list.len());
            Some(Page {
                nodes: list[start.min(end)..end]
                    .iter()
                    .map(|n| (*n).clone())
                    .collect(),
                has_next_page: end < list.len(),
                end_cursor: (end > start).then(|| format!("offset:{}", end - 1)),
            })
        }
    }

    #[derive(Default)]
    struct FakeState {
        lose: usize,
        current: Vec<String>,
        delivered: Vec<String>,
        checkpoint_at_submit: Vec<Option<String>>,
    }

    /// A pipeline whose first `lose` submissions are lost.
    struct FakeFeed {
        stop: CancellationToken,
        checkpoint: std::path::PathBuf,
        st: std::sync::Arc<std::sync::Mutex<FakeState>>,
    }

    impl Feed for FakeFeed {
        fn name(&self) -> &str {
            "fake"
        }
        fn shutdown(&self) -> &CancellationToken {
            &self.stop
        }
        fn received(&self, _: u64) {}
        fn event(&self, bytes: &[u8], _: u64, out: &mut EncodedRecords) -> Verdict {
            let v: Value = serde_json::from_slice(bytes).unwrap();
            let id = v["data"]["id"].as_str().unwrap().to_owned();
            self.st.lock().unwrap().current.push(id);
            out.push_with(|_| {});
            Verdict::Record(None)
        }
        fn reject_with(&self, _: &'static str, _: &str, _: u64, _: &[u8]) {
            panic!("nothing is rejected here");
        }
        fn submit(&self, _: EncodedRecords) -> impl std::future::Future<Output = Receipt> + Send {
            let mut st = self.st.lock().unwrap();
            let ck = std::fs::read(&self.checkpoint)
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .and_then(|v| v["created_at"].as_str().map(str::to_owned));
            st.checkpoint_at_submit.push(ck);
            let d = if st.lose > 0 {
                st.lose -= 1;
                st.current.clear();
                Delivery::Lost
            } else {
                let mut c = std::mem::take(&mut st.current);
                st.delivered.append(&mut c);
                Delivery::Safe
            };
            std::future::ready(Receipt::settled(d))
        }
        fn release(&self, _: Option<IdClaim>) {}
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lost_page_is_sent_again_and_the_checkpoint_waits_for_it() {
        let base = parse_time("2025-06-02T00:00:00Z").unwrap();
        let nodes: Vec<Value> = (0..25)
            .map(|i| {
                let t = base + chrono::Duration::seconds(i / 2);
                serde_json::json!({
                    "id": format!("node-{i:02}"),
                    "createdAt": checkpoint::format_time(t),
                    "data": {"id": format!("evt-{i:02}")},
                })
            })
            .collect();
        let dir = std::env::temp_dir().join(format!(
            "audit-otel-alapi-lost-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("checkpoint.json");
        let stop = CancellationToken::new();
        let st = std::sync::Arc::new(std::sync::Mutex::new(FakeState {
            lose: 2,
            ..FakeState::default()
        }));
        let mut poller = Poller {
            pages: FakePages {
                nodes,
                page_size: 10,
                stop: stop.clone(),
            },
            feed: FakeFeed {
                stop: stop.clone(),
                checkpoint: path.clone(),
                st: st.clone(),
            },
            file: CheckpointFile::new(&path, "p"),
            committed: Position::default(),
            page_size: 10,
            poll_interval: Duration::from_millis(20),
            lost_backoff: Backoff::new(Duration::from_millis(10), Duration::from_millis(10)),
            node_no: 0,
        };
        let task = tokio::spawn(async move {
            poller.run().await;
            poller
        });
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while st.lock().unwrap().delivered.len() < 25 {
            assert!(std::time::Instant::now() < deadline, "timed out");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        stop.cancel();
        let poller = task.await.unwrap();

        let st = st.lock().unwrap();
        let want: Vec<String> = (0..25).map(|i| format!("evt-{i:02}")).collect();
        assert_eq!(
            st.delivered, want,
            "every event once, in order, none skipped"
        );
        assert_eq!(
            &st.checkpoint_at_submit[..4],
            &[None, None, None, Some("2025-06-02T00:00:04Z".to_owned())],
            "the checkpoint moved only after page 1 was safe (third attempt)"
        );
        let saved = CheckpointFile::new(&path, "p").load().unwrap().unwrap();
        assert_eq!(saved, poller.committed);
        assert_eq!(saved.range_from().as_deref(), Some("2025-06-02T00:00:12Z"));
        assert_eq!(
            saved.ids_at_created_at.into_iter().collect::<Vec<_>>(),
            vec!["node-24".to_owned()]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn node_keys_need_an_id_and_an_rfc3339_time() {
        let n = serde_json::json!({"id": "QXVk", "createdAt": "2025-06-02T00:00:00Z"});
        assert_eq!(node_key(&n).unwrap().0, "QXVk");
        assert!(node_key(&serde_json::json!({"id": "x", "createdAt": "yesterday"})).is_none());
        assert!(node_key(&serde_json::json!({"createdAt": "2025-06-02T00:00:00Z"})).is_none());
        assert!(node_key(&serde_json::json!("str")).is_none());
    }
}
