//! Listening sockets the receiver can really take down.
//!
//! Both servers get their connections from an accept loop we own rather than from a listener
//! they own, because "receiver down" tests need two things the servers' own graceful shutdown
//! does not give: the listening socket closed at once (tonic keeps its incoming stream, and so
//! the socket, until every connection has drained), and live connections cut (a keep-alive
//! HTTP/2 connection or a request held by [`Behavior::Delay`](super::Behavior::Delay) would
//! otherwise keep the old receiver answering). Every accepted stream is wrapped in a [`Conn`]
//! that fails all I/O once the kill switch flips, like a crashed collector would.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tonic::codegen::tokio_stream::Stream;

/// Resolves once the kill switch is on (or its sender is gone).
pub(crate) async fn killed(mut kill: watch::Receiver<bool>) {
    let _ = kill.wait_for(|k| *k).await;
}

type KillFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// An accepted TCP stream that errors out once the receiver is shut down, counting bytes read.
pub(crate) struct Conn {
    io: TcpStream,
    peer: SocketAddr,
    /// `None` once the kill switch has fired.
    kill: Option<KillFuture>,
    bytes_read: Arc<AtomicU64>,
}

impl Conn {
    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if let Some(kill) = self.kill.as_mut() {
            if kill.as_mut().poll(cx).is_pending() {
                return Ok(());
            }
            self.kill = None;
        }
        Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "the OTLP test receiver was shut down",
        ))
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Err(e) = this.check(cx) {
            return Poll::Ready(Err(e));
        }
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let n = buf.filled().len() - before;
            this.bytes_read.fetch_add(n as u64, Ordering::Relaxed);
        }
        polled
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Err(e) = this.check(cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Err(e) = this.check(cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Err(e) = this.check(cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

impl tonic::transport::server::Connected for Conn {
    type ConnectInfo = SocketAddr;

    fn connect_info(&self) -> SocketAddr {
        self.peer
    }
}

/// Accepts connections until the kill switch flips, then drops (closes) the listener.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    to_server: mpsc::Sender<Conn>,
    kill: watch::Receiver<bool>,
    bytes_read: Arc<AtomicU64>,
) {
    let stop = killed(kill.clone());
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            biased;
            () = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((io, peer)) => {
                let _ = io.set_nodelay(true);
                let conn = Conn {
                    io,
                    peer,
                    kill: Some(Box::pin(killed(kill.clone()))),
                    bytes_read: Arc::clone(&bytes_read),
                };
                if to_server.send(conn).await.is_err() {
                    break;
                }
            }
            // Out of file descriptors and the like: back off instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

/// The accepted connections as tonic's incoming stream.
pub(crate) struct GrpcIncoming(pub(crate) mpsc::Receiver<Conn>);

impl Stream for GrpcIncoming {
    type Item = io::Result<Conn>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().0.poll_recv(cx).map(|conn| conn.map(Ok))
    }
}

/// The accepted connections as an axum listener.
pub(crate) struct HttpIncoming {
    pub(crate) connections: mpsc::Receiver<Conn>,
    pub(crate) local_addr: SocketAddr,
}

impl axum::serve::Listener for HttpIncoming {
    type Io = Conn;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Conn, SocketAddr) {
        match self.connections.recv().await {
            Some(conn) => {
                let peer = conn.peer;
                (conn, peer)
            }
            // The accept loop has stopped: the server is shutting down and stops accepting.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local_addr)
    }
}
