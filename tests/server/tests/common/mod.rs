//! A deliberately dumb HTTP/1.1 client over a raw `TcpStream`, so the
//! server's tests see exactly what went over the wire: chunk boundaries,
//! whether the chunked body was terminated, raw header bytes.

#![allow(dead_code)] // each test binary uses a different subset

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// No single read in these tests should take longer.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Starts an in-process server with `roots` as `--root` specs.
pub async fn start(roots: &[String]) -> SocketAddr {
    let config = sse_test_server::Config {
        port: 0,
        mounts: roots
            .iter()
            .map(|r| r.parse().expect("mount spec"))
            .collect(),
        verbose: false,
    };
    let server = sse_test_server::Server::bind(config).await.expect("bind");
    let addr = server.local_addr().expect("addr");
    tokio::spawn(server.run());
    addr
}

/// A parsed response head.
#[derive(Debug)]
pub struct Head {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Head {
    /// The first value of header `name` (case-insensitive), as text.
    pub fn get(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }

    fn chunked(&self) -> bool {
        self.get("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    }
}

/// A whole response.
#[derive(Debug)]
pub struct Resp {
    pub head: Head,
    pub body: Vec<u8>,
    /// Sizes of the chunks of a chunked body.
    pub chunks: Vec<usize>,
    /// Whether the body ended properly (terminating chunk or full length)
    /// rather than by the connection going away.
    pub complete: bool,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// One item of a chunked body.
#[derive(Debug, PartialEq, Eq)]
pub enum Chunk {
    Data(Vec<u8>),
    /// The terminating zero-size chunk.
    End,
    /// The connection closed mid-body.
    Eof,
}

/// A request as raw bytes. Adds Host and, when there is a body,
/// Content-Length.
pub fn request(method: &str, path: &str, headers: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    if !body.is_empty() {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// A connection that reads the response incrementally.
pub struct Conn {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> Conn {
        Conn {
            stream: TcpStream::connect(addr).await.expect("connect"),
            buf: Vec::new(),
        }
    }

    pub async fn send(&mut self, raw: &[u8]) {
        self.stream.write_all(raw).await.expect("write request");
    }

    /// Reads more bytes; `false` on EOF or reset.
    async fn fill(&mut self) -> bool {
        self.buf.reserve(64 << 10);
        match tokio::time::timeout(READ_TIMEOUT, self.stream.read_buf(&mut self.buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => false,
            Ok(Ok(_)) => true,
            Err(_) => panic!("no data from the server within {READ_TIMEOUT:?}"),
        }
    }

    /// Whether the server sends nothing at all within `ms` (no data, no EOF).
    pub async fn silent_for(&mut self, ms: u64) -> bool {
        if !self.buf.is_empty() {
            return false;
        }
        let mut tmp = [0u8; 1024];
        tokio::time::timeout(Duration::from_millis(ms), self.stream.read(&mut tmp))
            .await
            .is_err()
    }

    /// Whether the server closed the connection without sending anything.
    pub async fn closed_without_response(&mut self) -> bool {
        !self.fill().await && self.buf.is_empty()
    }

    async fn line(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(pos) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf[..pos].to_vec();
                self.buf.drain(..pos + 2);
                return Some(line);
            }
            if !self.fill().await {
                return None;
            }
        }
    }

    async fn exact(&mut self, n: usize) -> Option<Vec<u8>> {
        while self.buf.len() < n {
            if !self.fill().await {
                return None;
            }
        }
        Some(self.buf.drain(..n).collect())
    }

    pub async fn head(&mut self) -> Head {
        let status_line = self.line().await.expect("status line");
        let status_line = String::from_utf8_lossy(&status_line).into_owned();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let mut headers = Vec::new();
        loop {
            let line = self.line().await.expect("header line");
            if line.is_empty() {
                break;
            }
            let colon = line.iter().position(|&b| b == b':').expect("header colon");
            let name = String::from_utf8_lossy(&line[..colon]).to_ascii_lowercase();
            let value = line[colon + 1..].trim_ascii().to_vec();
            headers.push((name, value));
        }
        Head { status, headers }
    }

    pub async fn chunk(&mut self) -> Chunk {
        let Some(size_line) = self.line().await else {
            return Chunk::Eof;
        };
        let size_text = String::from_utf8_lossy(&size_line).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .unwrap_or_else(|_| panic!("bad chunk size {size_text:?}"));
        if size == 0 {
            return match self.line().await {
                Some(_) => Chunk::End,
                None => Chunk::Eof,
            };
        }
        let Some(data) = self.exact(size + 2).await else {
            return Chunk::Eof;
        };
        Chunk::Data(data[..size].to_vec())
    }

    /// Reads the body that follows `head`.
    pub async fn body(&mut self, head: Head, method: &str) -> Resp {
        let mut resp = Resp {
            head,
            body: Vec::new(),
            chunks: Vec::new(),
            complete: false,
        };
        if method == "HEAD" || matches!(resp.head.status, 204 | 304) {
            resp.complete = true;
        } else if resp.head.chunked() {
            loop {
                match self.chunk().await {
                    Chunk::Data(d) => {
                        resp.chunks.push(d.len());
                        resp.body.extend_from_slice(&d);
                    }
                    Chunk::End => {
                        resp.complete = true;
                        break;
                    }
                    Chunk::Eof => break,
                }
            }
        } else if let Some(len) = resp.head.get("content-length") {
            let len: usize = len.parse().expect("content-length");
            if let Some(data) = self.exact(len).await {
                resp.body = data;
                resp.complete = true;
            }
        } else {
            while self.fill().await {}
            resp.body = std::mem::take(&mut self.buf);
        }
        resp
    }
}

/// Sends one request on a new connection and reads the whole response.
pub async fn fetch(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &[u8])],
    body: &[u8],
) -> Resp {
    let mut conn = Conn::open(addr).await;
    conn.send(&request(method, path, headers, body)).await;
    let head = conn.head().await;
    conn.body(head, method).await
}

pub async fn get(addr: SocketAddr, path: &str) -> Resp {
    fetch(addr, "GET", path, &[], b"").await
}

pub async fn post(addr: SocketAddr, path: &str, body: &str) -> Resp {
    fetch(
        addr,
        "POST",
        path,
        &[("Content-Type", b"application/json")],
        body.as_bytes(),
    )
    .await
}

/// Posts a script and asserts it was accepted.
pub async fn script(addr: SocketAddr, name: &str, json: &str) {
    let resp = post(addr, &format!("/_script/{name}"), json).await;
    assert_eq!(resp.head.status, 200, "script rejected: {}", resp.text());
}
