//! The admin endpoint: `GET /metrics` (Prometheus text), `/healthz` (the process is alive and
//! its runtime answers) and `/readyz` (every source listens and every sink is open, and no
//! shutdown has begun), for Prometheus and Kubernetes probes.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tokio_util::sync::CancellationToken;

use super::stats::PipelineStats;
use crate::core::AuditCore;

#[derive(Clone)]
struct AdminState {
    pipeline: Arc<str>,
    core: Arc<AuditCore>,
    stats: Arc<PipelineStats>,
}

/// Binds the admin endpoint; the returned task serves until `stop`.
pub(crate) async fn start(
    listen: SocketAddr,
    pipeline: &str,
    core: Arc<AuditCore>,
    stats: Arc<PipelineStats>,
    stop: CancellationToken,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let state = AdminState {
        pipeline: pipeline.into(),
        core,
        stats,
    };
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("admin endpoint cannot listen on {listen}: {e}; change `admin.listen`"),
        )
    })?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
    });
    Ok((addr, task))
}

async fn metrics(State(s): State<AdminState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        super::metrics::render(&s.pipeline, &s.core, &s.stats),
    )
}

async fn readyz(State(s): State<AdminState>) -> impl IntoResponse {
    if s.stats.is_ready() {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
    }
}
