//! Response bodies: whole buffers, precomputed benchmark streams, and live
//! streams fed by a task through a channel.
//!
//! A live stream's task learns that the client went away when hyper drops
//! the body (the channel's receiver): hyper does so as soon as it reads EOF
//! from the client, even while the body is idle, because the HTTP/1
//! connection is built without half-close support. That is what lets
//! `/_closed/{name}` observe an `EventSource.close()` promptly.

use std::error::Error;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::sync::mpsc;

/// Frames a producer task may queue ahead of the socket. Small, so a data
/// step is handed to the connection right away rather than buffered here.
const CHANNEL_DEPTH: usize = 4;

/// The error a body yields to make hyper drop the connection mid-body.
#[derive(Debug)]
pub struct Aborted;

impl fmt::Display for Aborted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stream deliberately cut")
    }
}

impl Error for Aborted {}

enum Piece {
    Data(Bytes),
    Cut,
}

/// The body type of every response this server sends.
pub struct ServerBody(Kind);

enum Kind {
    Full(Option<Bytes>),
    /// A precomputed body handed out as consecutive slices of `chunk` bytes.
    Chunked {
        body: Bytes,
        chunk: usize,
    },
    Channel {
        rx: mpsc::Receiver<Piece>,
        cutting: bool,
    },
}

impl ServerBody {
    /// A complete body.
    pub(crate) fn full(data: impl Into<Bytes>) -> ServerBody {
        ServerBody(Kind::Full(Some(data.into())))
    }

    /// No body.
    pub(crate) fn empty() -> ServerBody {
        ServerBody(Kind::Full(None))
    }

    /// `body` sent as frames of exactly `chunk` bytes (the last may be
    /// shorter). Slicing `Bytes` is a reference-count bump, so this costs
    /// no copies on our side.
    pub(crate) fn chunked(body: Bytes, chunk: usize) -> ServerBody {
        ServerBody(Kind::Chunked {
            body,
            chunk: chunk.max(1),
        })
    }

    /// A body fed by the returned sender.
    pub(crate) fn channel() -> (StreamTx, ServerBody) {
        let (tx, rx) = mpsc::channel(CHANNEL_DEPTH);
        (
            StreamTx { tx },
            ServerBody(Kind::Channel { rx, cutting: false }),
        )
    }
}

impl Body for ServerBody {
    type Data = Bytes;
    type Error = Aborted;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Aborted>>> {
        match &mut self.get_mut().0 {
            Kind::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Kind::Chunked { body, chunk } => {
                if body.is_empty() {
                    return Poll::Ready(None);
                }
                let piece = body.split_to((*chunk).min(body.len()));
                Poll::Ready(Some(Ok(Frame::data(piece))))
            }
            Kind::Channel { rx, cutting } => {
                if *cutting {
                    return Poll::Ready(Some(Err(Aborted)));
                }
                match rx.poll_recv(cx) {
                    Poll::Ready(Some(Piece::Data(d))) => Poll::Ready(Some(Ok(Frame::data(d)))),
                    Poll::Ready(Some(Piece::Cut)) => {
                        // hyper drops the connection on a body error without
                        // flushing what it buffered. Returning Pending once
                        // makes it flush first, so the client receives every
                        // byte sent before the cut (all of it if the socket
                        // buffer takes it, which holds for test-sized bodies).
                        *cutting = true;
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    }
                    Poll::Ready(None) => Poll::Ready(None),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Kind::Full(data) => data.as_ref().is_none_or(Bytes::is_empty),
            Kind::Chunked { body, .. } => body.is_empty(),
            Kind::Channel { .. } => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Kind::Full(data) => SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64)),
            // Unknown length on purpose for streams: chunked encoding is what
            // an SSE server sends, and what "cut" must leave unterminated.
            Kind::Chunked { .. } | Kind::Channel { .. } => SizeHint::default(),
        }
    }
}

/// The client is gone: the connection dropped the body.
#[derive(Debug)]
pub(crate) struct Gone;

/// The producer side of a live stream.
pub(crate) struct StreamTx {
    tx: mpsc::Sender<Piece>,
}

impl StreamTx {
    /// Queues a frame.
    pub(crate) async fn send(&self, data: Bytes) -> Result<(), Gone> {
        self.tx.send(Piece::Data(data)).await.map_err(|_| Gone)
    }

    /// Sleeps, returning early if the client goes away meanwhile.
    pub(crate) async fn sleep(&self, duration: Duration) -> Result<(), Gone> {
        tokio::select! {
            () = tokio::time::sleep(duration) => Ok(()),
            () = self.tx.closed() => Err(Gone),
        }
    }

    /// Resolves when the client goes away.
    pub(crate) async fn closed(&self) {
        self.tx.closed().await;
    }

    /// Drops the connection after what was queued has been written.
    pub(crate) async fn cut(self) {
        // If the client is already gone there is nothing left to cut.
        let _ = self.tx.send(Piece::Cut).await;
    }
}
