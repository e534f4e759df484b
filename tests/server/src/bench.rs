//! `GET /bench`: a precomputed event stream sent as fast as the socket
//! takes it, so benchmarks measure the client, not this server.
//!
//! The body is built once per parameter set and cached; each response then
//! hands out slices of it (reference-counted, no copies).

use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Response, StatusCode};

use crate::http::{query_num, text};
use crate::stream::ServerBody;

/// Refuse bodies above this: a typo must not eat a shared CI box's memory.
const MAX_BODY: usize = 1 << 30;

/// Bodies kept: benchmarks alternate between a handful of parameter sets,
/// but large bodies are not worth hoarding on a shared machine.
const CACHE_ENTRIES: usize = 4;
const CACHE_BYTES: usize = 256 << 20;

/// Sent before the events: a native EventSource that reaches the end of the
/// stream then waits an hour instead of reconnecting into the next run.
const PREFIX: &str = "retry: 3600000\n\n";

/// What determines the bytes of a benchmark body (the chunk size does not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Params {
    pub n: usize,
    pub size: usize,
    pub ids: bool,
}

/// Recently built bodies.
#[derive(Default)]
pub(crate) struct Cache(Mutex<Vec<(Params, Bytes)>>);

impl Cache {
    fn get_or_build(&self, params: &Params) -> Bytes {
        let mut entries = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, body)) = entries.iter().find(|(p, _)| p == params) {
            return body.clone();
        }
        let body = build(params);
        entries.push((*params, body.clone()));
        // Oldest first; the newest body always stays.
        while entries.len() > 1
            && (entries.len() > CACHE_ENTRIES
                || entries.iter().map(|(_, b)| b.len()).sum::<usize>() > CACHE_BYTES)
        {
            entries.remove(0);
        }
        body
    }
}

/// Builds `n` events of about `size` bytes each: an optional `id: N` line,
/// then `data: N:xxx…` padded with `x` so the whole event, blank line
/// included, is `size` bytes whenever it fits.
pub(crate) fn build(p: &Params) -> Bytes {
    let mut out = String::with_capacity(PREFIX.len() + p.n.saturating_mul(p.size.max(16)));
    out.push_str(PREFIX);
    for i in 0..p.n {
        let start = out.len();
        if p.ids {
            // Writing to a String cannot fail.
            let _ = writeln!(out, "id: {i}");
        }
        let _ = write!(out, "data: {i}:");
        let used = out.len() - start + 2;
        out.extend(std::iter::repeat_n('x', p.size.saturating_sub(used)));
        out.push_str("\n\n");
    }
    Bytes::from(out)
}

/// Handles `GET /tick?n=&interval=`: `n` events, one every `interval` ms
/// (default 1), each `data: <ms>` where `<ms>` is the server's wall clock
/// (ms since the Unix epoch, with microseconds) when the event was handed
/// to the connection, so a client on the same machine can measure the
/// latency from the server's write to its listener.
pub(crate) fn tick(query: Option<&str>) -> Response<ServerBody> {
    let n: u32 = query_num(query, "n", 1000);
    let interval =
        Duration::from_micros(query_num::<u64>(query, "interval", 1).saturating_mul(1000));
    let (tx, body) = ServerBody::channel();
    tokio::spawn(async move {
        if tx
            .send(Bytes::from_static(PREFIX.as_bytes()))
            .await
            .is_err()
        {
            return;
        }
        let mut next = tokio::time::Instant::now();
        for _ in 0..n {
            next += interval;
            tokio::time::sleep_until(next).await;
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_micros();
            let event = format!("data: {}.{:03}\n\n", now / 1000, now % 1000);
            if tx.send(Bytes::from(event)).await.is_err() {
                return;
            }
        }
    });
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Handles `GET /bench?n=&size=&chunk=&id=`.
pub(crate) fn handle(cache: &Cache, query: Option<&str>) -> Response<ServerBody> {
    let size: usize = query_num(query, "size", 32);
    let params = Params {
        n: query_num(query, "n", 1000),
        size,
        // An id line needs room; small events measure the bare data path.
        ids: query_num::<u8>(query, "id", u8::from(size >= 64)) != 0,
    };
    let chunk: usize = query_num(query, "chunk", 1460);
    if chunk == 0 {
        return text(StatusCode::BAD_REQUEST, "chunk must be at least 1");
    }
    let approx = params.n.saturating_mul(params.size.max(16));
    if approx > MAX_BODY {
        return text(
            StatusCode::BAD_REQUEST,
            &format!("n * size must stay under {MAX_BODY} bytes"),
        );
    }
    let body = cache.get_or_build(&params);
    let total = body.len();
    let mut resp = Response::new(ServerBody::chunked(body, chunk));
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        HeaderName::from_static("x-bench-bytes"),
        HeaderValue::from(total),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(n: usize, size: usize, ids: bool) -> Params {
        Params { n, size, ids }
    }

    #[test]
    fn events_have_the_requested_size() {
        for p in [params(1000, 32, false), params(1000, 110, true)] {
            let body = build(&p);
            let text = std::str::from_utf8(&body[PREFIX.len()..]).expect("ASCII");
            let blocks: Vec<&str> = text.split_terminator("\n\n").collect();
            assert_eq!(blocks.len(), p.n);
            for (i, block) in blocks.iter().enumerate() {
                assert_eq!(block.len() + 2, p.size, "event {i}: {block:?}");
                assert_eq!(block.starts_with(&format!("id: {i}\n")), p.ids);
                assert!(block.contains(&format!("data: {i}:")));
            }
            assert_eq!(body.len(), PREFIX.len() + p.n * p.size);
        }
    }

    #[test]
    fn oversized_counter_still_yields_a_valid_event() {
        let body = build(&params(11, 8, false));
        assert!(body.ends_with(b"data: 10:\n\n"));
    }
}
