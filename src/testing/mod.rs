//! Test support (feature `testing`): an in-process OTLP/logs receiver.
//!
//! [`OtlpReceiver`] is a real, if small, OTLP logs endpoint for end-to-end tests — of the
//! tracing layer, of the processor's OTLP sinks, of throughput — and for fault injection. It
//! starts two servers on loopback ports chosen by the OS:
//!
//! - **OTLP/gRPC**: `opentelemetry.proto.collector.logs.v1.LogsService/Export` (tonic),
//!   accepting gzip- or zstd-compressed messages up to 64 MiB (configurable);
//! - **OTLP/HTTP**: `POST /v1/logs` (axum) with `Content-Type: application/x-protobuf` or
//!   `application/json` (the OTLP/JSON mapping), optionally `Content-Encoding: gzip` or `zstd`, answered
//!   in the request's encoding; `415` for other content types or encodings, `400` for bodies
//!   that do not decode (with a `google.rpc.Status` body, as the spec asks).
//!
//! Exporters are pointed at [`OtlpReceiver::grpc_endpoint`] for gRPC. For HTTP, mind which kind
//! of endpoint the exporter takes: a *base* endpoint, to which `/v1/logs` is appended
//! (`OTEL_EXPORTER_OTLP_ENDPOINT`, collector exporters), is [`OtlpReceiver::http_endpoint`]; a
//! full URL used as is (`opentelemetry-otlp`'s `with_endpoint` on its HTTP exporter,
//! `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`) is [`OtlpReceiver::http_logs_url`].
//!
//! ## What it keeps
//!
//! Every accepted request is stored as a [`Received`] (transport, decoded request, whether it
//! was compressed, headers, arrival time), in arrival order. The counts are exact: records of
//! rejected requests are neither stored nor counted, and under [`Behavior::PartialSuccess`]
//! only the accepted records are. [`OtlpReceiver::record_count`] is an atomic read;
//! [`OtlpReceiver::records`] and [`OtlpReceiver::record_uids`] flatten the stored requests on
//! demand, and [`OtlpReceiver::with_requests`] looks at them without copying. For burst tests
//! of millions of records where only counts matter, [`OtlpReceiverBuilder::store_requests`]
//! turns storage off. [`OtlpReceiver::stats`] has per-transport request/record/byte counters,
//! including what was rejected.
//!
//! ## Faults
//!
//! [`OtlpReceiver::set_behavior`] changes, at any time, how requests are answered: retryable
//! failures ([`Behavior::FailNext`], [`Behavior::Throttle`], with `RetryInfo` / `Retry-After`
//! delays), permanent rejection ([`Behavior::RejectAll`]), partial success
//! ([`Behavior::PartialSuccess`]) and slowness ([`Behavior::Delay`]). For "receiver down",
//! [`OtlpReceiver::shutdown`] closes both listening sockets and cuts every open connection, as
//! a crashed collector would; [`OtlpReceiver::restart`] brings the same receiver (same ports,
//! same store) back, and [`OtlpReceiver::start_on`] starts a fresh one on given addresses.
//!
//! Dropping the last handle shuts the servers down too.
//!
//! ## Its own runtime
//!
//! The servers run on a small Tokio runtime of their own, not on the caller's. So a test on a
//! current-thread runtime (the `#[tokio::test]` default) may block its thread — say, in a
//! synchronous `force_flush` of an OpenTelemetry SDK logger provider whose exporter is talking
//! to this receiver — without deadlocking it. Tests without any runtime can use the blocking
//! variants ([`OtlpReceiver::start_blocking`], [`OtlpReceiver::wait_for_records_blocking`],
//! [`OtlpReceiver::shutdown_blocking`], [`OtlpReceiver::restart_blocking`]); the async methods
//! work from any executor.
//!
//! ## Example
//!
//! ```no_run
//! use std::time::Duration;
//! use audit_otel::testing::{Behavior, OtlpReceiver};
//!
//! # async fn demo() -> std::io::Result<()> {
//! let receiver = OtlpReceiver::start().await?;
//! // Let the first export fail with UNAVAILABLE / 503 to exercise the exporter's retries.
//! receiver.set_behavior(Behavior::FailNext { n: 1, retry_after: Some(Duration::from_millis(100)) });
//!
//! // ... configure the exporter under test with `receiver.grpc_endpoint()` (or
//! // `receiver.http_endpoint()`) and emit 10 audit events ...
//!
//! assert!(receiver.wait_for_records(10, Duration::from_secs(10)).await);
//! let uids = receiver.record_uids();
//! assert_eq!(uids.len(), 10);
//! for record in receiver.records() {
//!     assert_eq!(record.resource_str("service.name"), Some("idp"));
//!     assert!(record.str_attribute("audit.activity_type").is_some());
//! }
//! assert_eq!(receiver.stats().grpc.requests_rejected, 1);
//! receiver.shutdown().await;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::runtime::{Handle, Runtime};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

mod conn;
mod grpc;
mod gzip;
mod http;
mod store;
mod types;

pub use crate::pipeline::rpc_status::grpc_retry_delay;
pub use gzip::{gzip_compress, gzip_decompress, zstd_decompress, RawCodec};
pub use types::{Behavior, Received, ReceivedRecord, ReceiverStats, Transport, TransportStats};

use conn::{accept_loop, killed, GrpcIncoming, HttpIncoming};
use store::{Counts, Shared};

/// Default largest accepted request: 64 MiB (decoded, and decompressed for gzip).
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 * 1024 * 1024;

/// How long [`OtlpReceiver::shutdown`] waits for a server task before aborting it.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// An in-process OTLP/logs receiver (gRPC and HTTP) on loopback. See the [module docs](self).
///
/// Cheap to clone: clones are handles to the same receiver. The servers stop when
/// [`shutdown`](Self::shutdown) is called or the last handle is dropped.
#[derive(Clone)]
pub struct OtlpReceiver {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    grpc_addr: SocketAddr,
    http_addr: SocketAddr,
    /// The running servers, if up. An async mutex so that shutdown/restart are serialized.
    running: tokio::sync::Mutex<Option<Running>>,
    /// The receiver's own runtime; `None` only while dropping.
    runtime: Option<Runtime>,
}

impl Inner {
    fn handle(&self) -> &Handle {
        self.runtime
            .as_ref()
            .expect("the receiver runtime lives as long as the receiver")
            .handle()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Flip the kill switch, then cancel every task without waiting (this may run inside
        // another runtime, where blocking is not allowed). Cancelling drops the listeners and
        // connections, so the ports are freed at once.
        self.running.get_mut().take();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The servers' tasks and their kill switch (flipped on drop).
struct Running {
    kill: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill.send_replace(true);
    }
}

impl Running {
    /// Flips the kill switch and waits for every task to end (aborting laggards). Runs on the
    /// receiver runtime.
    async fn stop(mut self) {
        self.kill.send_replace(true);
        for mut task in std::mem::take(&mut self.tasks) {
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
            {
                task.abort();
                let _ = task.await;
            }
        }
    }
}

/// Runs `future` on the receiver runtime and waits for it from async code (any executor).
async fn on_runtime<F>(handle: &Handle, future: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match handle.spawn(future).await {
        Ok(output) => output,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("the OTLP test receiver runtime is gone: {e}"),
    }
}

/// Runs `future` on the receiver runtime and blocks the calling thread until it is done.
/// Must not be called from the receiver runtime's own threads.
fn on_runtime_blocking<F>(handle: &Handle, future: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    handle.spawn(async move {
        let _ = tx.send(future.await);
    });
    rx.recv()
        .expect("the OTLP test receiver task finished without an answer")
}

/// Options for an [`OtlpReceiver`]; from [`OtlpReceiver::builder`].
#[derive(Debug, Clone)]
pub struct OtlpReceiverBuilder {
    grpc_addr: SocketAddr,
    http_addr: SocketAddr,
    behavior: Behavior,
    max_message_size: usize,
    store_requests: bool,
    worker_threads: usize,
}

impl Default for OtlpReceiverBuilder {
    fn default() -> Self {
        let any_port = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        OtlpReceiverBuilder {
            grpc_addr: any_port,
            http_addr: any_port,
            behavior: Behavior::Accept,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            store_requests: true,
            worker_threads: 2,
        }
    }
}

impl OtlpReceiverBuilder {
    /// Address of the gRPC server (default `127.0.0.1:0`: a free port).
    pub fn grpc_addr(mut self, addr: SocketAddr) -> Self {
        self.grpc_addr = addr;
        self
    }

    /// Address of the HTTP server (default `127.0.0.1:0`: a free port).
    pub fn http_addr(mut self, addr: SocketAddr) -> Self {
        self.http_addr = addr;
        self
    }

    /// Initial behaviour (default [`Behavior::Accept`]).
    pub fn behavior(mut self, behavior: Behavior) -> Self {
        self.behavior = behavior;
        self
    }

    /// Largest accepted request, decoded (gRPC) or as a body and decompressed (HTTP); default
    /// [`DEFAULT_MAX_MESSAGE_SIZE`]. Larger gRPC messages get `OUT_OF_RANGE` from tonic, larger
    /// HTTP bodies `413` (or `400` once decompressed).
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Whether to keep accepted requests (default `true`). Without them the counts, waits and
    /// stats still work, but [`OtlpReceiver::requests`], [`OtlpReceiver::records`] and
    /// [`OtlpReceiver::record_uids`] are empty: for throughput runs where memory matters.
    pub fn store_requests(mut self, store: bool) -> Self {
        self.store_requests = store;
        self
    }

    /// Worker threads of the receiver's own runtime (default 2, at least 1). More lets the
    /// receiver decode concurrent requests in parallel in throughput tests.
    pub fn worker_threads(mut self, threads: usize) -> Self {
        self.worker_threads = threads.max(1);
        self
    }

    fn prepare(self) -> io::Result<(Runtime, Arc<Shared>, SocketAddr, SocketAddr)> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(self.worker_threads)
            .thread_name("otlp-test-receiver")
            .enable_all()
            .build()?;
        let shared = Arc::new(Shared::new(
            self.behavior,
            self.store_requests,
            self.max_message_size,
        ));
        Ok((runtime, shared, self.grpc_addr, self.http_addr))
    }

    fn finish(
        runtime: Runtime,
        shared: Arc<Shared>,
        launched: io::Result<(Running, SocketAddr, SocketAddr)>,
    ) -> io::Result<OtlpReceiver> {
        let (running, grpc_addr, http_addr) = match launched {
            Ok(launched) => launched,
            Err(e) => {
                runtime.shutdown_background();
                return Err(e);
            }
        };
        Ok(OtlpReceiver {
            inner: Arc::new(Inner {
                shared,
                grpc_addr,
                http_addr,
                running: tokio::sync::Mutex::new(Some(running)),
                runtime: Some(runtime),
            }),
        })
    }

    /// Binds both servers and starts serving. Callable from any async context.
    pub async fn start(self) -> io::Result<OtlpReceiver> {
        let (runtime, shared, grpc, http) = self.prepare()?;
        let launched = on_runtime(runtime.handle(), launch(Arc::clone(&shared), grpc, http)).await;
        Self::finish(runtime, shared, launched)
    }

    /// [`start`](Self::start) for synchronous tests: blocks until both servers listen.
    pub fn start_blocking(self) -> io::Result<OtlpReceiver> {
        let (runtime, shared, grpc, http) = self.prepare()?;
        let launched =
            on_runtime_blocking(runtime.handle(), launch(Arc::clone(&shared), grpc, http));
        Self::finish(runtime, shared, launched)
    }
}

/// Binds both listeners and spawns the accept loops and servers (on the current runtime, the
/// receiver's).
async fn launch(
    shared: Arc<Shared>,
    grpc_addr: SocketAddr,
    http_addr: SocketAddr,
) -> io::Result<(Running, SocketAddr, SocketAddr)> {
    // Tokio sets SO_REUSEADDR, so ports freed by a shutdown can be bound again at once.
    let grpc_listener = TcpListener::bind(grpc_addr).await?;
    let http_listener = TcpListener::bind(http_addr).await?;
    let grpc_addr = grpc_listener.local_addr()?;
    let http_addr = http_listener.local_addr()?;

    let (kill, kill_rx) = watch::channel(false);
    let (grpc_tx, grpc_rx) = mpsc::channel(128);
    let (http_tx, http_rx) = mpsc::channel(128);
    let mut tasks = Vec::with_capacity(4);

    tasks.push(tokio::spawn(accept_loop(
        grpc_listener,
        grpc_tx,
        kill_rx.clone(),
        Arc::clone(&shared.grpc_wire_bytes),
    )));
    tasks.push(tokio::spawn(accept_loop(
        http_listener,
        http_tx,
        kill_rx.clone(),
        Arc::clone(&shared.http_wire_bytes),
    )));

    let grpc_service = grpc::service(Arc::clone(&shared));
    let grpc_stop = killed(kill_rx.clone());
    tasks.push(tokio::spawn(async move {
        let _ = tonic::transport::Server::builder()
            .add_service(grpc_service)
            .serve_with_incoming_shutdown(GrpcIncoming(grpc_rx), grpc_stop)
            .await;
    }));

    let router = http::router(shared);
    let http_stop = killed(kill_rx);
    let incoming = HttpIncoming {
        connections: http_rx,
        local_addr: http_addr,
    };
    tasks.push(tokio::spawn(async move {
        let _ = axum::serve(incoming, router)
            .with_graceful_shutdown(http_stop)
            .await;
    }));

    Ok((Running { kill, tasks }, grpc_addr, http_addr))
}

/// Waits until `reached` holds for the counts, or the timeout passes (on the receiver runtime).
async fn wait_counts(
    mut counts: watch::Receiver<Counts>,
    timeout: Duration,
    reached: impl Fn(&Counts) -> bool + Send + 'static,
) -> bool {
    let waited = tokio::time::timeout(timeout, counts.wait_for(|c| reached(c))).await;
    matches!(waited, Ok(Ok(_)))
}

impl OtlpReceiver {
    /// Starts a receiver on free loopback ports, accepting everything.
    pub async fn start() -> io::Result<OtlpReceiver> {
        Self::builder().start().await
    }

    /// [`start`](Self::start) for synchronous tests.
    pub fn start_blocking() -> io::Result<OtlpReceiver> {
        Self::builder().start_blocking()
    }

    /// Starts a fresh receiver (empty store) on the given addresses, e.g. those of a receiver
    /// that was [shut down](Self::shutdown) (see also [`restart`](Self::restart)).
    pub async fn start_on(grpc: SocketAddr, http: SocketAddr) -> io::Result<OtlpReceiver> {
        Self::builder()
            .grpc_addr(grpc)
            .http_addr(http)
            .start()
            .await
    }

    /// Options: fixed addresses, initial behaviour, size limit, storage.
    pub fn builder() -> OtlpReceiverBuilder {
        OtlpReceiverBuilder::default()
    }

    /// The gRPC server's address.
    pub fn grpc_addr(&self) -> SocketAddr {
        self.inner.grpc_addr
    }

    /// The HTTP server's address.
    pub fn http_addr(&self) -> SocketAddr {
        self.inner.http_addr
    }

    /// The OTLP/gRPC endpoint: `http://127.0.0.1:PORT`.
    pub fn grpc_endpoint(&self) -> String {
        format!("http://{}", self.inner.grpc_addr)
    }

    /// The OTLP/HTTP base endpoint, `http://127.0.0.1:PORT`, for exporters that append
    /// `/v1/logs` themselves (as with `OTEL_EXPORTER_OTLP_ENDPOINT`). `opentelemetry-otlp`'s
    /// HTTP exporter uses an endpoint given with `with_endpoint` as is: give it
    /// [`http_logs_url`](Self::http_logs_url).
    pub fn http_endpoint(&self) -> String {
        format!("http://{}", self.inner.http_addr)
    }

    /// The full OTLP/HTTP logs URL: `http://127.0.0.1:PORT/v1/logs`.
    pub fn http_logs_url(&self) -> String {
        format!("http://{}{}", self.inner.http_addr, http::LOGS_PATH)
    }

    /// Every accepted request so far, in arrival order (a copy; see
    /// [`with_requests`](Self::with_requests) to avoid it).
    pub fn requests(&self) -> Vec<Received> {
        self.with_requests(<[Received]>::to_vec)
    }

    /// Runs `f` on the accepted requests without copying them. The store is locked meanwhile
    /// (incoming requests wait), so keep `f` short and do not call back into the receiver.
    pub fn with_requests<R>(&self, f: impl FnOnce(&[Received]) -> R) -> R {
        self.inner.shared.with_requests(f)
    }

    /// Every stored log record, flattened with its resource attributes and scope, in order.
    pub fn records(&self) -> Vec<ReceivedRecord> {
        self.with_requests(|requests| {
            let mut out = Vec::new();
            for received in requests {
                for rl in &received.request.resource_logs {
                    let resource = rl
                        .resource
                        .as_ref()
                        .map(|r| r.attributes.clone())
                        .unwrap_or_default();
                    for sl in &rl.scope_logs {
                        let (scope_name, scope_version) = sl
                            .scope
                            .as_ref()
                            .map(|s| (s.name.clone(), s.version.clone()))
                            .unwrap_or_default();
                        out.extend(sl.log_records.iter().map(|record| ReceivedRecord {
                            resource: resource.clone(),
                            scope_name: scope_name.clone(),
                            scope_version: scope_version.clone(),
                            record: record.clone(),
                            transport: received.transport,
                        }));
                    }
                }
            }
            out
        })
    }

    /// The `log.record.uid` string attribute (the audit event id) of every stored record that
    /// has one, in order (duplicates included: count them to check delivery).
    pub fn record_uids(&self) -> Vec<String> {
        self.with_requests(|requests| {
            requests
                .iter()
                .flat_map(Received::log_records)
                .filter_map(types::record_uid)
                .map(str::to_owned)
                .collect()
        })
    }

    /// Number of accepted (stored) log records: an atomic read.
    pub fn record_count(&self) -> usize {
        self.inner.shared.record_count()
    }

    /// Number of accepted requests.
    pub fn request_count(&self) -> usize {
        self.inner.shared.subscribe().borrow().requests
    }

    /// Waits until at least `n` records have been accepted; `false` if `timeout` passes first.
    pub async fn wait_for_records(&self, n: usize, timeout: Duration) -> bool {
        let counts = self.inner.shared.subscribe();
        let wait = wait_counts(counts, timeout, move |c| c.records >= n);
        on_runtime(self.inner.handle(), wait).await
    }

    /// [`wait_for_records`](Self::wait_for_records), blocking the calling thread.
    pub fn wait_for_records_blocking(&self, n: usize, timeout: Duration) -> bool {
        let counts = self.inner.shared.subscribe();
        let wait = wait_counts(counts, timeout, move |c| c.records >= n);
        on_runtime_blocking(self.inner.handle(), wait)
    }

    /// Waits until at least `n` requests have been accepted; `false` if `timeout` passes first.
    pub async fn wait_for_requests(&self, n: usize, timeout: Duration) -> bool {
        let counts = self.inner.shared.subscribe();
        let wait = wait_counts(counts, timeout, move |c| c.requests >= n);
        on_runtime(self.inner.handle(), wait).await
    }

    /// Forgets the stored requests and resets the counts (not the [`stats`](Self::stats)).
    pub fn clear(&self) {
        self.inner.shared.clear();
    }

    /// The current behaviour (a [`Behavior::FailNext`] shows its remaining budget).
    pub fn behavior(&self) -> Behavior {
        self.inner.shared.behavior()
    }

    /// Changes how requests decoded from now on are answered.
    pub fn set_behavior(&self, behavior: Behavior) {
        self.inner.shared.set_behavior(behavior);
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> ReceiverStats {
        self.inner.shared.stats()
    }

    /// Whether the servers are up.
    pub async fn is_running(&self) -> bool {
        self.inner.running.lock().await.is_some()
    }

    /// Takes the receiver down, like a crashed collector: both listening sockets are closed
    /// (new connections are refused), open connections are cut (in-flight requests fail
    /// unstored), and this returns once the ports are free. The stored data stays readable.
    /// A no-op if already down.
    pub async fn shutdown(&self) {
        let mut running = self.inner.running.lock().await;
        if let Some(servers) = running.take() {
            on_runtime(self.inner.handle(), servers.stop()).await;
        }
    }

    /// [`shutdown`](Self::shutdown), blocking the calling thread (not for async code).
    pub fn shutdown_blocking(&self) {
        let mut running = self.inner.running.blocking_lock();
        if let Some(servers) = running.take() {
            on_runtime_blocking(self.inner.handle(), servers.stop());
        }
    }

    /// Brings a [shut down](Self::shutdown) receiver back on the same ports, with the same
    /// store, counters and behaviour (restarts it if it is running). Fails if a port has been
    /// taken meanwhile.
    pub async fn restart(&self) -> io::Result<()> {
        let mut running = self.inner.running.lock().await;
        let handle = self.inner.handle();
        if let Some(servers) = running.take() {
            on_runtime(handle, servers.stop()).await;
        }
        let relaunch = launch(
            Arc::clone(&self.inner.shared),
            self.inner.grpc_addr,
            self.inner.http_addr,
        );
        let (servers, _, _) = on_runtime(handle, relaunch).await?;
        *running = Some(servers);
        Ok(())
    }

    /// [`restart`](Self::restart), blocking the calling thread (not for async code).
    pub fn restart_blocking(&self) -> io::Result<()> {
        let mut running = self.inner.running.blocking_lock();
        let handle = self.inner.handle();
        if let Some(servers) = running.take() {
            on_runtime_blocking(handle, servers.stop());
        }
        let relaunch = launch(
            Arc::clone(&self.inner.shared),
            self.inner.grpc_addr,
            self.inner.http_addr,
        );
        let (servers, _, _) = on_runtime_blocking(handle, relaunch)?;
        *running = Some(servers);
        Ok(())
    }
}

impl fmt::Debug for OtlpReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpReceiver")
            .field("grpc_addr", &self.inner.grpc_addr)
            .field("http_addr", &self.inner.http_addr)
            .field("record_count", &self.record_count())
            .finish_non_exhaustive()
    }
}
