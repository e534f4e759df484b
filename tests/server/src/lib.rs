//! A scripted Server-Sent Events server for wasm-eventsource's browser
//! tests, benchmarks and demo.
//!
//! Tests `POST /_script/{name}` a list of responses, point an EventSource at
//! `/sse/{name}`, and then ask `/_requests/{name}` what the client sent.
//! Every response is played exactly as scripted, down to raw bytes, delays
//! and how the connection ends, so the client's handling of the
//! [HTML standard's server-sent events] can be checked against a real fetch.
//! `tests/server/README.md` documents every endpoint and the script format.
//!
//! The server listens on 127.0.0.1 only and runs on one thread: it serves
//! tests on a developer machine and a 2-core CI box, not production traffic.
//!
//! [HTML standard's server-sent events]: https://html.spec.whatwg.org/multipage/server-sent-events.html

#![deny(missing_docs)]

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

mod bench;
mod cli;
mod demo;
mod files;
mod http;
mod routes;
mod script;
mod state;
mod stream;

pub use cli::{parse_args, usage, Command, Options};
pub use files::Mount;

use state::State;

/// Writes one line to stderr. Unlike `eprintln!` it does not panic when the
/// harness has closed our stderr: losing a log line must not kill the server.
pub(crate) fn log(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "sse-test-server: {line}");
}

/// How to run the server.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Directories served as static files.
    pub mounts: Vec<Mount>,
    /// Log every request line to stderr.
    pub verbose: bool,
}

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    state: Arc<State>,
}

impl Server {
    /// Binds 127.0.0.1 on the configured port.
    pub async fn bind(config: Config) -> io::Result<Server> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        Ok(Server {
            listener,
            state: Arc::new(State::new(config.mounts, config.verbose)),
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts and serves connections until the future is dropped.
    pub async fn run(self) {
        loop {
            let (stream, _) = match self.listener.accept().await {
                Ok(conn) => conn,
                Err(e) => {
                    // Usually out of file descriptors: back off briefly
                    // rather than spin, and keep serving.
                    log(format_args!("accept failed: {e}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            // Events are small and latency matters more than segment count.
            let _ = stream.set_nodelay(true);
            let state = self.state.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| routes::handle(state.clone(), req));
                let served = http1::Builder::new()
                    .timer(TokioTimer::new())
                    // Copying frames into one buffer measured ~15% faster
                    // than vectored writes for /bench's 1460-byte chunks.
                    .writev(false)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
                // Cut streams, dropped demo connections and clients that
                // leave mid-stream all end here; none is a server fault.
                let _ = served;
            });
        }
    }
}
