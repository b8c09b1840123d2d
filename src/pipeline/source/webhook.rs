//! The webhook source: the platform's webhook deliveries over HTTP, one audit event per
//! request, authenticated by an HMAC signature of the body.
//!
//! The reference platform (Authgear) sends `POST` requests whose body is one event envelope
//! and whose `x-authgear-body-signature` header is the lower-case hex HMAC-SHA256 of the exact
//! body bytes, keyed with the webhook secret. This module owns the HTTP side: the listener, the
//! signature check, the body limit, the event-age check and the answers; everything else
//! (parse, dedup, redaction, mapping, dead letters, counters) goes through [`SourceContext`].
//!
//! | request | answer | counted as | dead letter |
//! |---|---|---|---|
//! | another path | 404 | - | no |
//! | another method on the path | 405, `Allow: POST` | - | no |
//! | no signature header, or a signature that does not match the body | 401 | `refused_requests` | no: an unauthenticated body is not ours to keep |
//! | body over `max_body_bytes` (`Content-Length`, or counted while reading) | 413 | `refused_requests` | no (it is never read whole, so never authenticated) |
//! | body not received within 30 s | 408 | `refused_requests` | no |
//! | signed, but not a valid event | 400 (413 if over `limits.max_event_bytes`) | `received`, `rejected` | yes |
//! | signed, older than `max_event_age_secs` by `context.timestamp` | 400 | `received`, `rejected` (`stale_event`) | yes |
//! | signed, an event id accepted before | 200 `{"status":"duplicate"}` | `received`, `duplicates` | no |
//! | signed, no room in the sinks' buffers within `accept_timeout_ms`, or dropped by a sink at once (`when_full: drop`, a failed disk append, shutdown) | 503, `Retry-After: 1` | `received`, `refused_requests` | no (the sender was told) |
//! | signed and accepted | 200 `{"status":"accepted"}` | `received`, `accepted` | no |
//!
//! Answers are small fixed JSON objects and never carry anything from the request; log lines
//! name the reason, never a value. The signature is compared in constant time
//! ([`Mac::verify_slice`]); upper-case hex is accepted too. The signature header is checked for
//! presence before the body is read, and a body is read through a length limit, so an
//! oversized or unsigned request is never buffered whole.
//!
//! # When the platform is answered
//!
//! A delivery is answered 200 as soon as [`SourceContext::submit`] has returned, i.e. its record
//! is in every sink's buffer, unless a sink has already reported it lost. The
//! [`Receipt`] is looked at once, without waiting: a sink with a disk buffer takes a batch by
//! appending it (with its `fsync` policy) and settles at once, so there 200 means "on disk"; a
//! `when_full: drop` sink that dropped the record settles at once too, and the answer is 503.
//! An in-memory sink settles only when the backend has accepted the batch, and that is not
//! waited for. The reasons:
//!
//! - the platform sends each non-blocking event once, fire-and-forget with a 60 s client
//!   timeout, and never retries: an answer that comes later, or says "error", brings no
//!   re-delivery, so waiting for the backend buys no delivery guarantee;
//! - waiting would add the batch age plus an export round trip to every delivery, hold the
//!   platform's connections open for as long as a backend outage lasts, and so turn an outage of
//!   the backend into an outage of the webhook endpoint.
//!
//! So 200 means "in the pipeline's bounded buffer": it outlasts backend outages up to the
//! buffer's size, and restarts too when the buffer is on disk. When the buffers stay full for
//! `accept_timeout_ms`, or a sink dropped the record, the answer is 503 and the event id is
//! released, so a sender that does retry is not taken for a re-delivery (with several sinks, a
//! sink that did keep the record may then get it twice: at least once, never silently lost).
//!
//! ```yaml
//! sources:
//!   - type: webhook
//!     listen: 0.0.0.0:8080            # default
//!     path: /webhook                  # default
//!     secret: { env: AUTHGEAR_WEBHOOK_SECRET }   # or { file: /run/secrets/webhook }
//!     max_body_bytes: 262144          # default: limits.max_event_bytes
//!     max_event_age_secs: 300         # default: no age limit
//!     accept_timeout_ms: 2000         # default
//! ```

use std::future::IntoFuture;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use sha2::Sha256;

use crate::otel::encode::EncodedRecords;
use crate::otel::now_unix_nano;
use crate::pipeline::ack::{Delivery, Receipt};
use crate::pipeline::config::WebhookSourceConfig;
use crate::pipeline::ingest::{SourceContext, Verdict};

use super::SourceError;

/// The request header that carries the body's signature.
pub const SIGNATURE_HEADER: &str = "x-authgear-body-signature";

/// How long a sender may take to send a body.
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How long in-flight requests may finish after shutdown, beyond `accept_timeout_ms`.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

type HmacSha256 = Hmac<Sha256>;

/// Why a signature was refused (no values: this goes to logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignatureError {
    /// No signature header.
    Missing,
    /// The header is not a hex-encoded HMAC-SHA256.
    Malformed,
    /// The header is a well-formed HMAC of other bytes or with another key.
    Mismatch,
}

impl SignatureError {
    fn reason(self) -> &'static str {
        match self {
            SignatureError::Missing => "missing signature",
            SignatureError::Malformed => "malformed signature",
            SignatureError::Mismatch => "bad signature",
        }
    }
}

/// The webhook secret, keyed once.
#[derive(Clone)]
struct Signer {
    mac: HmacSha256,
}

impl Signer {
    fn new(secret: &[u8]) -> Option<Signer> {
        HmacSha256::new_from_slice(secret)
            .ok()
            .map(|mac| Signer { mac })
    }

    /// Checks a signature header against the body, in constant time. Hex of either case is
    /// accepted; white space around it is ignored.
    fn verify(&self, body: &[u8], signature: Option<&HeaderValue>) -> Result<(), SignatureError> {
        let signature = signature.ok_or(SignatureError::Missing)?;
        let hex_sig = signature.as_bytes().trim_ascii();
        // Two hex digits per byte of an HMAC-SHA256.
        if hex_sig.len() != 64 {
            return Err(SignatureError::Malformed);
        }
        let tag = hex::decode(hex_sig).map_err(|_| SignatureError::Malformed)?;
        let mut mac = self.mac.clone();
        mac.update(body);
        mac.verify_slice(&tag).map_err(|_| SignatureError::Mismatch)
    }
}

/// What every request handler shares.
struct Webhook {
    ctx: SourceContext,
    path: String,
    signer: Signer,
    max_body_bytes: usize,
    max_event_age_secs: Option<u64>,
    accept_timeout: Duration,
    /// Signed deliveries so far: the position of a delivery in logs and dead letters.
    deliveries: AtomicU64,
}

/// Runs the source until shutdown.
pub async fn run(cfg: WebhookSourceConfig, ctx: SourceContext) -> Result<(), SourceError> {
    let fail = |message: String| SourceError {
        source_name: ctx.name().to_owned(),
        message,
    };
    if !cfg.path.starts_with('/') {
        return Err(fail(
            "`path` must start with `/` (e.g. `/webhook`); change `path`".into(),
        ));
    }
    let secret = cfg
        .secret
        .read()
        .map_err(|e| fail(format!("`secret`: {e}")))?;
    let signer = Signer::new(&secret).ok_or_else(|| fail("`secret`: unusable as a key".into()))?;
    drop(secret);
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| {
            fail(format!(
                "cannot listen on {}: {e}; change `listen`",
                cfg.listen
            ))
        })?;
    let addr = listener.local_addr().unwrap_or(cfg.listen);
    ctx.mark_ready();
    let accept_timeout = Duration::from_millis(cfg.accept_timeout_ms);
    let state = Arc::new(Webhook {
        ctx: ctx.clone(),
        path: cfg.path.clone(),
        signer,
        max_body_bytes: cfg.max_body_bytes.unwrap_or(ctx.max_event_bytes()),
        max_event_age_secs: cfg.max_event_age_secs,
        accept_timeout,
        deliveries: AtomicU64::new(0),
    });
    // One fallback handler instead of a route: the configured path is compared as it is, so no
    // path a user writes can upset the router's pattern syntax.
    let app = Router::new().fallback(handle).with_state(state);
    tracing::info!(
        source = ctx.name(),
        %addr,
        path = %cfg.path,
        "Webhook source listening."
    );
    let stop = ctx.shutdown().clone();
    let serve = axum::serve(listener, app)
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .into_future();
    let deadline = async {
        ctx.shutdown().cancelled().await;
        tokio::time::sleep(accept_timeout + SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        served = serve => served.map_err(|e| fail(format!("the server on {addr} failed: {e}")))?,
        _ = deadline => tracing::warn!(
            source = ctx.name(),
            "Requests still open at shutdown were dropped."
        ),
    }
    Ok(())
}

async fn handle(State(w): State<Arc<Webhook>>, req: Request) -> Response {
    if req.uri().path() != w.path {
        return reply(StatusCode::NOT_FOUND, r#"{"error":"not found"}"#);
    }
    if req.method() != Method::POST {
        let mut r = reply(
            StatusCode::METHOD_NOT_ALLOWED,
            r#"{"error":"method not allowed"}"#,
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    let (parts, body) = req.into_parts();
    // An unsigned request is refused before its body is read.
    if !parts.headers.contains_key(SIGNATURE_HEADER) {
        return w.refuse_signature(SignatureError::Missing);
    }
    let bytes = match read_body(body, &parts.headers, w.max_body_bytes).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => {
            w.refused("body too large");
            return reply(
                StatusCode::PAYLOAD_TOO_LARGE,
                r#"{"error":"body too large"}"#,
            );
        }
        Err(BodyError::Timeout) => {
            w.refused("body not received in time");
            return reply(StatusCode::REQUEST_TIMEOUT, r#"{"error":"body timeout"}"#);
        }
        Err(BodyError::Broken) => {
            w.refused("body could not be read");
            return reply(StatusCode::BAD_REQUEST, r#"{"error":"unreadable body"}"#);
        }
    };
    if let Err(e) = w.signer.verify(&bytes, parts.headers.get(SIGNATURE_HEADER)) {
        return w.refuse_signature(e);
    }
    w.accept(&bytes).await
}

impl Webhook {
    /// Counts and logs a request refused at the door.
    fn refused(&self, reason: &'static str) {
        self.ctx
            .stats()
            .refused_requests
            .fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            source = self.ctx.name(),
            reason,
            "Refused a webhook delivery."
        );
    }

    fn refuse_signature(&self, e: SignatureError) -> Response {
        self.refused(e.reason());
        let body = match e {
            SignatureError::Missing => r#"{"error":"missing signature"}"#,
            SignatureError::Malformed | SignatureError::Mismatch => r#"{"error":"bad signature"}"#,
        };
        reply(StatusCode::UNAUTHORIZED, body)
    }

    /// A signed delivery: parse, check its age, dedup, hand it to the sinks.
    async fn accept(&self, bytes: &[u8]) -> Response {
        let ctx = &self.ctx;
        ctx.received(1);
        let position = self.deliveries.fetch_add(1, Ordering::Relaxed) + 1;
        let mut event = match ctx.core().parse(bytes) {
            Ok(e) => e,
            Err(e) => {
                ctx.reject(&e, position, bytes);
                let status = match e {
                    crate::event::ParseError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                    _ => StatusCode::BAD_REQUEST,
                };
                return invalid_event(status, e.kind());
            }
        };
        if let Some(max_age) = self.max_event_age_secs {
            if is_stale(event.time_unix_nano(), now_unix_nano(), max_age) {
                ctx.reject_with(
                    "stale_event",
                    &format!("event is older than `max_event_age_secs` ({max_age} s)"),
                    position,
                    bytes,
                );
                return reply(StatusCode::BAD_REQUEST, r#"{"error":"stale event"}"#);
            }
        }
        let mut records = EncodedRecords::with_capacity(1, bytes.len() * 5 / 4);
        match ctx.parsed(&mut event, &mut records) {
            Verdict::Record(claim) => {
                let submitted =
                    tokio::time::timeout(self.accept_timeout, ctx.submit(records)).await;
                let reason = match submitted {
                    // Not waiting for the backend: see the module docs.
                    Ok(receipt) => match settled_now(receipt).await {
                        Some(Delivery::Lost) => "dropped by a sink",
                        Some(Delivery::Safe) | None => {
                            return reply(StatusCode::OK, r#"{"status":"accepted"}"#)
                        }
                    },
                    Err(_) => "no room in the buffer",
                };
                ctx.release(claim);
                self.refused(reason);
                let mut r = reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    r#"{"error":"busy, retry later"}"#,
                );
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                r
            }
            Verdict::Duplicate => reply(StatusCode::OK, r#"{"status":"duplicate"}"#),
            Verdict::Rejected(kind) => invalid_event(StatusCode::BAD_REQUEST, kind),
        }
    }
}

/// A receipt's outcome if every sink has settled already, without waiting.
async fn settled_now(receipt: Receipt) -> Option<Delivery> {
    tokio::select! {
        biased;
        d = receipt.wait() => Some(d),
        () = std::future::ready(()) => None,
    }
}

/// Whether an event that happened at `time_unix_nano` is more than `max_age_secs` old at
/// `now_unix_nano`. Events from the future are not stale.
fn is_stale(time_unix_nano: u64, now_unix_nano: u64, max_age_secs: u64) -> bool {
    let age = now_unix_nano.saturating_sub(time_unix_nano);
    u128::from(age) > u128::from(max_age_secs) * 1_000_000_000
}

enum BodyError {
    TooLarge,
    Timeout,
    Broken,
}

/// Reads a body of at most `max` bytes; a larger one is refused by its `Content-Length`
/// before anything is read, or as soon as the count passes the limit.
async fn read_body(body: Body, headers: &HeaderMap, max: usize) -> Result<Vec<u8>, BodyError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(BodyError::TooLarge);
    }
    match tokio::time::timeout(BODY_READ_TIMEOUT, Limited::new(body, max).collect()).await {
        Err(_) => Err(BodyError::Timeout),
        Ok(Ok(collected)) => Ok(collected.to_bytes().to_vec()),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(BodyError::TooLarge),
        Ok(Err(_)) => Err(BodyError::Broken),
    }
}

fn invalid_event(status: StatusCode, kind: &'static str) -> Response {
    // `kind` is a fixed label such as `invalid_json`, never input.
    let body = format!(r#"{{"error":"invalid event","kind":"{kind}"}}"#);
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

fn reply(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(s: &str) -> HeaderValue {
        HeaderValue::from_str(s).unwrap()
    }

    /// The signature as the platform computes it, with the hmac crate directly.
    fn platform_signature(secret: &[u8], body: &[u8]) -> String {
        let mut mac = HmacSha256::new_from_slice(secret).unwrap();
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn rfc_4231_vector_verifies_in_either_case() {
        // RFC 4231, test case 2.
        let signer = Signer::new(b"Jefe").unwrap();
        let body = b"what do ya want for nothing?";
        let lower = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(platform_signature(b"Jefe", body), lower);
        assert_eq!(signer.verify(body, Some(&header(lower))), Ok(()));
        let upper = lower.to_ascii_uppercase();
        assert_eq!(signer.verify(body, Some(&header(&upper))), Ok(()));
        assert_eq!(
            signer.verify(body, Some(&header(&format!(" {lower} ")))),
            Ok(()),
            "surrounding white space is ignored"
        );
    }

    #[test]
    fn platform_signatures_verify_and_anything_else_does_not() {
        let secret = b"whsec-0123456789abcdef";
        let signer = Signer::new(secret).unwrap();
        let body = br#"{"id":"00000000006be272","seq":7070322,"type":"user.authenticated","payload":{},"context":{"timestamp":1748822400}}"#;
        let good = platform_signature(secret, body);
        assert_eq!(signer.verify(body, Some(&header(&good))), Ok(()));

        // Another body, another key, no header, a truncated or non-hex signature.
        let mut other = body.to_vec();
        other[10] ^= 1;
        assert_eq!(
            signer.verify(&other, Some(&header(&good))),
            Err(SignatureError::Mismatch)
        );
        let foreign = platform_signature(b"another-secret", body);
        assert_eq!(
            signer.verify(body, Some(&header(&foreign))),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(signer.verify(body, None), Err(SignatureError::Missing));
        assert_eq!(
            signer.verify(body, Some(&header(&good[..62]))),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            signer.verify(body, Some(&header(&format!("{good}00")))),
            Err(SignatureError::Malformed)
        );
        let not_hex = format!("zz{}", &good[2..]);
        assert_eq!(
            signer.verify(body, Some(&header(&not_hex))),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            signer.verify(body, Some(&header(""))),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            signer.verify(body, Some(&header(&format!("sha256={good}")))),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn the_empty_body_has_a_signature_too() {
        let signer = Signer::new(b"k").unwrap();
        let sig = platform_signature(b"k", b"");
        assert_eq!(signer.verify(b"", Some(&header(&sig))), Ok(()));
        assert_eq!(
            signer.verify(b" ", Some(&header(&sig))),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn staleness_by_event_time() {
        let s = 1_000_000_000u64;
        let now = 1_748_822_400 * s;
        assert!(!is_stale(now, now, 0));
        assert!(
            !is_stale(now - 300 * s, now, 300),
            "exactly the limit is not stale"
        );
        assert!(is_stale(now - 300 * s - 1, now, 300));
        assert!(
            !is_stale(now + 3600 * s, now, 300),
            "the future is not stale"
        );
        assert!(is_stale(0, now, 3600));
        assert!(!is_stale(0, now, u64::MAX), "no overflow");
    }

    #[tokio::test]
    async fn a_receipt_is_looked_at_without_waiting() {
        assert_eq!(
            settled_now(Receipt::settled(Delivery::Safe)).await,
            Some(Delivery::Safe)
        );
        assert_eq!(
            settled_now(Receipt::settled(Delivery::Lost)).await,
            Some(Delivery::Lost)
        );
        let (pending, shares) = crate::pipeline::ack::Ack::new(1);
        assert_eq!(
            settled_now(pending).await,
            None,
            "a pending receipt is not waited for"
        );
        drop(shares);
    }

    #[test]
    fn answers_carry_no_input() {
        let r = invalid_event(StatusCode::BAD_REQUEST, "invalid_json");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            HeaderValue::from_static("application/json")
        );
    }
}
