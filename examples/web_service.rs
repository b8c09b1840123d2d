//! A small web service whose login, logout and admin handlers emit audit events through the
//! `AuditLayer`, exported over OTLP/gRPC.
//!
//! ```sh
//! # against a collector (or `audit-otel` itself once its OTLP receiver is running):
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 cargo run --example web_service --all-features
//! curl -s -XPOST localhost:3000/login -H 'content-type: application/json' \
//!      -d '{"email":"alice@example.com","password":"wrong"}'
//!
//! # self-contained: an in-process OTLP receiver, a few requests, a summary, exit
//! cargo run --example web_service --all-features -- --demo
//! ```
//!
//! Console logs come from a `fmt` layer that filters audit events out (`not_audit()`): their
//! plain fields (email, IP) are redacted only on the way to OTLP.

use std::net::SocketAddr;
use std::time::Duration;

use audit_otel::audit;
use audit_otel::layer::{not_audit, AuditLayer};
use axum::extract::{ConnectInfo, Path};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, post};
use axum::{Json, Router};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue};
use serde_json::{json, Value};
use tracing::Instrument;
use tracing_subscriber::prelude::*;

const USER_ID: &str = "3099fdf5-ab99-454a-a901-e35cd47d380d";

fn client_of(headers: &HeaderMap) -> String {
    headers
        .get("x-client-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("web")
        .to_owned()
}

/// What the login handlers put in their audit payloads: any `serde::Serialize` type works, and
/// nested structs, enums and lists arrive as OTel maps and arrays.
#[derive(serde::Serialize)]
struct LoginPayload<'a> {
    user: UserSnapshot<'a>,
    #[serde(flatten)]
    outcome: LoginOutcome,
}

#[derive(serde::Serialize)]
struct UserSnapshot<'a> {
    id: &'a str,
    standard_attributes: StandardAttributes<'a>,
}

#[derive(serde::Serialize)]
struct StandardAttributes<'a> {
    email: &'a str,
}

#[derive(serde::Serialize)]
#[serde(untagged)]
enum LoginOutcome {
    Session {
        session: Session,
    },
    Failed {
        authentication_stage: &'static str,
        authenticator_type: &'static str,
    },
}

#[derive(serde::Serialize)]
struct Session {
    id: &'static str,
    r#type: &'static str,
    amr: Vec<&'static str>,
}

async fn login(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let email = body["email"].as_str().unwrap_or_default().to_owned();
    let ok = body["password"].as_str() == Some("correct horse battery staple");
    let ua = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let span =
        tracing::info_span!("login", request_id = %uuid_like(), client_id = %client_of(&headers));
    async move {
        let user = UserSnapshot {
            id: USER_ID,
            standard_attributes: StandardAttributes { email: &email },
        };
        if ok {
            let session = Session {
                id: "s-1",
                r#type: "idp",
                amr: vec!["pwd"],
            };
            audit!(USER_AUTHENTICATED,
                payload = LoginPayload { user, outcome: LoginOutcome::Session { session } },
                user_id = USER_ID, ip = %peer.ip(), user_agent = ua.as_str());
            tracing::info!("Login succeeded.");
            (StatusCode::OK, Json(json!({"session": "s-1"})))
        } else {
            let outcome = LoginOutcome::Failed {
                authentication_stage: "primary",
                authenticator_type: "password",
            };
            audit!(AUTHENTICATION_PRIMARY_PASSWORD_FAILED,
                payload = LoginPayload { user, outcome },
                user_id = USER_ID, ip = %peer.ip(), user_agent = ua.as_str());
            tracing::info!("Login failed.");
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": "invalid credentials"})),
            )
        }
    }
    .instrument(span)
    .await
}

async fn logout(ConnectInfo(peer): ConnectInfo<SocketAddr>, headers: HeaderMap) -> StatusCode {
    let span = tracing::info_span!("logout", client_id = %client_of(&headers));
    async move {
        audit!(USER_SIGNED_OUT, payload = json!({"user": {"id": USER_ID}, "sessions": [{"id": "s-1"}]}),
            user_id = USER_ID, ip = %peer.ip());
        StatusCode::NO_CONTENT
    }
    .instrument(span)
    .await
}

async fn delete_user(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
) -> StatusCode {
    audit!(ADMIN_API_MUTATION_DELETE_USER_EXECUTED,
        payload = json!({"user": {"id": id}, "reason": "Requested by the customer on the phone"}),
        user_id = id.as_str(), actor_user_id = "admin-7", triggered_by = "admin_api", ip = %peer.ip());
    StatusCode::NO_CONTENT
}

fn uuid_like() -> String {
    format!("{:032x}", rand::random::<u128>())
}

fn app() -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/admin/users/{id}", delete(delete_user))
}

/// A minimal HTTP/1.1 request, enough for the demo.
async fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nhost: demo\r\nuser-agent: demo-client/1.0\r\nx-client-id: portal\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.expect("write");
    let mut resp = String::new();
    s.read_to_string(&mut resp).await.expect("read");
    resp.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let demo = std::env::args().any(|a| a == "--demo");
    let receiver = if demo {
        Some(
            audit_otel::testing::OtlpReceiver::start()
                .await
                .expect("receiver"),
        )
    } else {
        None
    };
    let endpoint = match &receiver {
        Some(r) => r.grpc_endpoint(),
        None => std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
            .unwrap_or_else(|_| "http://localhost:4317".into()),
    };
    let (audit_layer, guard) = AuditLayer::builder()
        .service_name("web-service-example")
        .otlp_grpc(endpoint.clone())
        .build()
        .expect("audit layer");
    tracing_subscriber::registry()
        .with(audit_layer)
        .with(
            tracing_subscriber::fmt::layer()
                .with_filter(not_audit())
                .with_filter(tracing_subscriber::filter::LevelFilter::INFO),
        )
        .init();

    let listener = tokio::net::TcpListener::bind(if demo {
        "127.0.0.1:0"
    } else {
        "127.0.0.1:3000"
    })
    .await
    .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tracing::info!(%addr, otlp = %endpoint, "Listening.");
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app().into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve")
    });

    if let Some(rx) = receiver {
        let codes = [
            request(
                addr,
                "POST",
                "/login",
                r#"{"email":"alice@example.com","password":"wrong"}"#,
            )
            .await,
            request(
                addr,
                "POST",
                "/login",
                r#"{"email":"alice@example.com","password":"correct horse battery staple"}"#,
            )
            .await,
            request(addr, "POST", "/logout", "").await,
            request(addr, "DELETE", "/admin/users/u-42", "").await,
        ];
        assert_eq!(codes, [401, 200, 204, 204]);
        let stats = tokio::task::spawn_blocking(move || guard.shutdown())
            .await
            .expect("shutdown");
        assert!(
            rx.wait_for_records(4, Duration::from_secs(10)).await,
            "records arrived"
        );
        for r in rx.records() {
            println!(
                "{:<45} actor={:<6} user={} client={} ip={}",
                r.record.event_name,
                r.str_attribute("audit.actor.type").unwrap_or("-"),
                r.str_attribute("user.id").unwrap_or("-"),
                r.str_attribute("audit.client.id").unwrap_or("-"),
                r.str_attribute("client.address").unwrap_or("-"),
            );
        }
        let text = format!("{:?}", rx.records());
        assert!(
            !text.contains("alice@example.com"),
            "the email was redacted"
        );
        assert!(
            !text.contains("on the phone"),
            "the free-text reason was masked"
        );
        // The typed login payload arrived structured: `session.amr` is an OTel array.
        let login = rx
            .records()
            .into_iter()
            .find(|r| r.record.event_name == "user.authenticated")
            .expect("the login record");
        let amr = login
            .record
            .body
            .as_ref()
            .and_then(|b| entry(b, "session"))
            .and_then(|s| entry(s, "amr"));
        assert!(
            matches!(
                amr.and_then(|a| a.value.as_ref()),
                Some(any_value::Value::ArrayValue(a)) if a.values.len() == 1
            ),
            "session.amr arrived as an array: {amr:?}"
        );
        println!("demo: {} records delivered, {stats:?}", rx.record_count());
        server.abort();
    } else {
        tokio::signal::ctrl_c().await.expect("ctrl-c");
        server.abort();
        tokio::task::spawn_blocking(move || drop(guard))
            .await
            .expect("flush");
    }
}

/// The value under `key` of an OTel map.
fn entry<'a>(v: &'a AnyValue, key: &str) -> Option<&'a AnyValue> {
    match v.value.as_ref()? {
        any_value::Value::KvlistValue(kv) => kv
            .values
            .iter()
            .find(|e| e.key == key)
            .and_then(|e| e.value.as_ref()),
        _ => None,
    }
}
