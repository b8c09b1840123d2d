//! The Admin API `auditLogs` query over HTTP: one page request in, one classified
//! [`PageResult`] out.
//!
//! The request is `POST <endpoint>` with `{query, variables}` and `Authorization: Bearer <jwt>`
//! (HTTPS through rustls with the `ring` provider and the Mozilla roots, or plain HTTP). The
//! answer is classified for the poller: a page, throttling (429, with `Retry-After`), a server
//! error (5xx), refused credentials (401/403), GraphQL `errors`, another status, a malformed
//! body, or a network error. Descriptions carry status codes, transport errors and the server's
//! own GraphQL error messages (truncated), never anything of the audit events.

use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use http::header::{self, HeaderValue};
use http::{Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use serde_json::{json, Value};

/// The query. Variable types are the Admin API schema's (`AuditLogActivityType`, `DateTime`,
/// `SortDirection`).
pub const QUERY: &str = "query AuditOtelAuditLogs($first: Int!, $after: String, $rangeFrom: DateTime, $activityTypes: [AuditLogActivityType!], $sortDirection: SortDirection) {
  auditLogs(first: $first, after: $after, rangeFrom: $rangeFrom, activityTypes: $activityTypes, sortDirection: $sortDirection) {
    edges { cursor node { id activityType createdAt ipAddress userAgent clientID data } }
    pageInfo { hasNextPage endCursor }
  }
}";

/// Longest server message kept, in characters.
const MAX_MESSAGE_CHARS: usize = 200;
/// Server messages kept per answer.
const MAX_MESSAGES: usize = 3;
/// Time allowed for one request, answer included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// One page of the log.
#[derive(Debug)]
pub struct Page {
    /// The nodes, in the server's order.
    pub nodes: Vec<Value>,
    /// `pageInfo.hasNextPage`.
    pub has_next_page: bool,
    /// `pageInfo.endCursor`.
    pub end_cursor: Option<String>,
}

/// What a page request came to.
#[derive(Debug)]
pub enum PageResult {
    /// A page.
    Page(Page),
    /// 429; the server's `Retry-After`, if any.
    Throttled(Option<Duration>),
    /// 5xx; the status and `Retry-After`.
    ServerError(StatusCode, Option<Duration>),
    /// 401 or 403: the token was refused.
    Unauthorized(StatusCode),
    /// Another status (400, 404, ...), with the server's GraphQL messages if it sent some.
    OtherStatus(StatusCode, Vec<String>),
    /// HTTP 200 with a GraphQL `errors` array (messages truncated).
    GraphQl(Vec<String>),
    /// An answer that is not the expected JSON (what is wrong, not the body).
    Malformed(String),
    /// The request did not complete (connection, TLS, timeout).
    Network(String),
}

/// The variables of one page request.
#[derive(Debug, Clone)]
pub struct PageRequest<'a> {
    /// `first`.
    pub first: u32,
    /// `after` (the previous page's `endCursor`).
    pub after: Option<&'a str>,
    /// `rangeFrom` (RFC 3339), inclusive.
    pub range_from: Option<&'a str>,
    /// `activityTypes`; all when empty.
    pub activity_types: &'a [String],
}

impl PageRequest<'_> {
    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut vars = serde_json::Map::new();
        vars.insert("first".into(), json!(self.first));
        vars.insert("sortDirection".into(), json!("ASC"));
        if let Some(a) = self.after {
            vars.insert("after".into(), json!(a));
        }
        if let Some(r) = self.range_from {
            vars.insert("rangeFrom".into(), json!(r));
        }
        if !self.activity_types.is_empty() {
            vars.insert("activityTypes".into(), json!(self.activity_types));
        }
        json!({ "query": QUERY, "variables": Value::Object(vars) })
    }
}

use crate::pipeline::http_client::{self, error_chain, HyperClient};

/// An HTTP client for one endpoint.
pub struct GraphQlClient {
    client: HyperClient,
    uri: Uri,
    max_body_bytes: usize,
}

impl std::fmt::Debug for GraphQlClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphQlClient")
            .field("uri", &self.uri)
            .finish_non_exhaustive()
    }
}

/// Checks an endpoint: an absolute `http://` or `https://` URL.
pub fn parse_endpoint(endpoint: &str) -> Result<Uri, String> {
    let uri: Uri = endpoint.parse().map_err(|_| {
        "not a URL; use e.g. `https://<project_id>.authgear.cloud/_api/admin/graphql`".to_owned()
    })?;
    match uri.scheme_str() {
        Some("http") | Some("https") => {}
        _ => {
            return Err("must start with https:// (or http:// for a local test server)".to_owned())
        }
    }
    if uri.authority().is_none() {
        return Err(
            "has no host; use e.g. `https://<project_id>.authgear.cloud/_api/admin/graphql`".into(),
        );
    }
    Ok(uri)
}

impl GraphQlClient {
    /// A client for `uri`; answers larger than `max_body_bytes` are not read.
    pub fn new(uri: Uri, max_body_bytes: usize) -> Result<GraphQlClient, String> {
        let tls = http_client::tls_builder()?
            .with_root_certificates(http_client::public_roots())
            .with_no_client_auth();
        let client =
            http_client::client(tls, None, Duration::from_secs(10), Duration::from_secs(50));
        Ok(GraphQlClient {
            client,
            uri,
            max_body_bytes,
        })
    }

    /// Requests one page with `token`.
    pub async fn page(&self, req: &PageRequest<'_>, token: &str) -> PageResult {
        match tokio::time::timeout(REQUEST_TIMEOUT, self.send(req, token)).await {
            Ok(r) => r,
            Err(_) => {
                PageResult::Network(format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()))
            }
        }
    }

    async fn send(&self, req: &PageRequest<'_>, token: &str) -> PageResult {
        let body = match serde_json::to_vec(&req.body()) {
            Ok(b) => b,
            Err(e) => return PageResult::Malformed(format!("cannot encode the request: {e}")),
        };
        let auth = match HeaderValue::from_str(&format!("Bearer {token}")) {
            Ok(mut v) => {
                v.set_sensitive(true);
                v
            }
            Err(_) => return PageResult::Malformed("the token is not a header value".into()),
        };
        let request = Request::builder()
            .method(Method::POST)
            .uri(self.uri.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .header(
                header::USER_AGENT,
                concat!("audit-otel/", env!("CARGO_PKG_VERSION")),
            )
            .header(header::AUTHORIZATION, auth)
            .body(Full::new(Bytes::from(body)));
        let request = match request {
            Ok(r) => r,
            Err(e) => return PageResult::Malformed(format!("cannot build the request: {e}")),
        };
        let response = match self.client.request(request).await {
            Ok(r) => r,
            Err(e) => return PageResult::Network(error_chain(&e)),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = match Limited::new(response.into_body(), self.max_body_bytes)
            .collect()
            .await
        {
            Ok(b) => b.to_bytes(),
            Err(e) => {
                if status.is_success() {
                    return PageResult::Malformed(format!(
                        "cannot read the answer (limit {} bytes): {e}",
                        self.max_body_bytes
                    ));
                }
                Bytes::new()
            }
        };
        classify(status, retry_after, &body)
    }
}

/// Classifies an answer.
pub fn classify(status: StatusCode, retry_after: Option<Duration>, body: &[u8]) -> PageResult {
    if status == StatusCode::TOO_MANY_REQUESTS {
        return PageResult::Throttled(retry_after);
    }
    if status.is_server_error() {
        return PageResult::ServerError(status, retry_after);
    }
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return PageResult::Unauthorized(status);
    }
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    if !status.is_success() {
        let messages = parsed.as_ref().map(error_messages).unwrap_or_default();
        return PageResult::OtherStatus(status, messages);
    }
    let Some(root) = parsed else {
        return PageResult::Malformed("the answer is not JSON".into());
    };
    let messages = error_messages(&root);
    if !messages.is_empty() {
        return PageResult::GraphQl(messages);
    }
    parse_page(root)
}

fn parse_page(mut root: Value) -> PageResult {
    let Some(conn) = root
        .get_mut("data")
        .and_then(|d| d.get_mut("auditLogs"))
        .map(Value::take)
    else {
        return PageResult::Malformed("the answer has no `data.auditLogs`".into());
    };
    let Value::Object(mut conn) = conn else {
        return PageResult::Malformed("`data.auditLogs` is not an object".into());
    };
    let info = conn.remove("pageInfo").unwrap_or(Value::Null);
    let has_next_page = match info.get("hasNextPage") {
        Some(Value::Bool(b)) => *b,
        _ => return PageResult::Malformed("`pageInfo.hasNextPage` is not a boolean".into()),
    };
    let end_cursor = match info.get("endCursor") {
        Some(Value::String(s)) => Some(s.clone()),
        None | Some(Value::Null) => None,
        Some(_) => return PageResult::Malformed("`pageInfo.endCursor` is not a string".into()),
    };
    let edges = match conn.remove("edges") {
        Some(Value::Array(e)) => e,
        None | Some(Value::Null) => Vec::new(),
        Some(_) => return PageResult::Malformed("`edges` is not a list".into()),
    };
    let nodes = edges
        .into_iter()
        .map(|mut e| e.get_mut("node").map(Value::take).unwrap_or(Value::Null))
        .collect();
    PageResult::Page(Page {
        nodes,
        has_next_page,
        end_cursor,
    })
}

/// The `message`s of a GraphQL `errors` array, truncated, control characters removed.
fn error_messages(root: &Value) -> Vec<String> {
    let Some(Value::Array(errors)) = root.get("errors") else {
        return Vec::new();
    };
    let mut out: Vec<String> = errors
        .iter()
        .take(MAX_MESSAGES)
        .map(|e| match e.get("message") {
            Some(Value::String(m)) => truncate(m),
            _ => "(no message)".to_owned(),
        })
        .collect();
    if errors.len() > MAX_MESSAGES {
        out.push(format!("... and {} more", errors.len() - MAX_MESSAGES));
    }
    out
}

fn truncate(m: &str) -> String {
    let mut s: String = m
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_MESSAGE_CHARS)
        .collect();
    if m.chars().count() > MAX_MESSAGE_CHARS {
        s.push('…');
    }
    s
}

/// `Retry-After`: delay seconds or an HTTP date.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    http_client::parse_retry_after(v, Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_body_has_the_schema_variables() {
        let types = vec!["USER_AUTHENTICATED".to_owned()];
        let b = PageRequest {
            first: 50,
            after: Some("c1"),
            range_from: Some("2025-06-02T00:00:00Z"),
            activity_types: &types,
        }
        .body();
        assert_eq!(b["variables"]["first"], 50);
        assert_eq!(b["variables"]["after"], "c1");
        assert_eq!(b["variables"]["rangeFrom"], "2025-06-02T00:00:00Z");
        assert_eq!(b["variables"]["sortDirection"], "ASC");
        assert_eq!(b["variables"]["activityTypes"][0], "USER_AUTHENTICATED");
        let q = b["query"].as_str().unwrap();
        for s in [
            "$activityTypes: [AuditLogActivityType!]",
            "$rangeFrom: DateTime",
            "$sortDirection: SortDirection",
            "pageInfo { hasNextPage endCursor }",
            "clientID data",
        ] {
            assert!(q.contains(s), "{s}");
        }
        let none = PageRequest {
            first: 1,
            after: None,
            range_from: None,
            activity_types: &[],
        }
        .body();
        let vars = none["variables"].as_object().unwrap();
        assert!(!vars.contains_key("after") && !vars.contains_key("activityTypes"));
    }

    #[test]
    fn classifies_answers() {
        let ok = br#"{"data":{"auditLogs":{"edges":[{"cursor":"a","node":{"id":"n1"}}],"pageInfo":{"hasNextPage":true,"endCursor":"a"}}}}"#;
        match classify(StatusCode::OK, None, ok) {
            PageResult::Page(p) => {
                assert_eq!(p.nodes.len(), 1);
                assert!(p.has_next_page);
                assert_eq!(p.end_cursor.as_deref(), Some("a"));
            }
            other => panic!("{other:?}"),
        }
        let long = "x".repeat(500);
        let errs = format!(
            r#"{{"errors":[{{"message":"{long}"}},{{"message":"b"}},{{"message":"c"}},{{"message":"d"}}],"data":null}}"#
        );
        match classify(StatusCode::OK, None, errs.as_bytes()) {
            PageResult::GraphQl(m) => {
                assert_eq!(m.len(), 4);
                assert!(m[0].chars().count() <= MAX_MESSAGE_CHARS + 1);
                assert_eq!(m[3], "... and 1 more");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            classify(StatusCode::TOO_MANY_REQUESTS, Some(Duration::from_secs(3)), b""),
            PageResult::Throttled(Some(d)) if d == Duration::from_secs(3)
        ));
        assert!(matches!(
            classify(StatusCode::BAD_GATEWAY, None, b"<html>"),
            PageResult::ServerError(..)
        ));
        assert!(matches!(
            classify(StatusCode::FORBIDDEN, None, b""),
            PageResult::Unauthorized(_)
        ));
        assert!(matches!(
            classify(StatusCode::OK, None, b"<html>"),
            PageResult::Malformed(_)
        ));
        assert!(matches!(
            classify(
                StatusCode::OK,
                None,
                br#"{"data":{"auditLogs":{"edges":[]}}}"#
            ),
            PageResult::Malformed(_)
        ));
        assert!(matches!(
            classify(StatusCode::NOT_FOUND, None, b""),
            PageResult::OtherStatus(s, _) if s == StatusCode::NOT_FOUND
        ));
    }

    #[test]
    fn parses_retry_after_and_endpoints() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert!(parse_endpoint("https://p.authgear.cloud/_api/admin/graphql").is_ok());
        assert!(parse_endpoint("ftp://x/y").is_err());
        assert!(parse_endpoint("/just/a/path").is_err());
    }
}
