//! The `make demo` endpoints: an endless clock stream, an authenticated
//! LLM-style chat stream, and a power switch that simulates the network
//! going down so the demo can show reconnection.
//!
//! All of them answer CORS as `anonymous` (the router adds the headers).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::json;
use tokio::sync::watch;

use crate::http::{json, query_param, read_body, text};
use crate::state::State;
use crate::stream::{ServerBody, StreamTx};

/// Short, so the demo visibly reconnects soon after power comes back.
const RETRY: &str = "retry: 1000\n\n";
const TICK: Duration = Duration::from_secs(1);
const TOKEN_GAP: Duration = Duration::from_millis(150);
const MAX_WORDS: usize = 60;
const SENTENCE: &str = "Server-sent events stream text from server to browser over one \
    long HTTP response, and this reply arrives one token at a time to prove it.";

/// How a demo stream's wait between events ended.
enum Pause {
    Elapsed,
    ClientGone,
    PowerOff,
}

async fn pause(tx: &StreamTx, power: &mut watch::Receiver<bool>, d: Duration) -> Pause {
    tokio::select! {
        () = tokio::time::sleep(d) => Pause::Elapsed,
        () = tx.closed() => Pause::ClientGone,
        _ = power.wait_for(|on| !*on) => Pause::PowerOff,
    }
}

fn last_event_id(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

fn stream_response(body: ServerBody) -> Response<ServerBody> {
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `GET /demo/clock`: event N every second, `event: tick` on every 5th,
/// numbering resumed from `Last-Event-ID`.
pub(crate) fn clock(state: &Arc<State>, headers: &HeaderMap) -> Response<ServerBody> {
    let first = last_event_id(headers).map_or(1, |id| id.saturating_add(1));
    let (tx, body) = ServerBody::channel();
    let mut power = state.power.subscribe();
    tokio::spawn(async move {
        if tx.send(Bytes::from_static(RETRY.as_bytes())).await.is_err() {
            return;
        }
        for n in first.. {
            let kind = if n % 5 == 0 { "event: tick\n" } else { "" };
            // ISO 8601 in UTC with milliseconds, like JavaScript's toISOString().
            let time = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
            let data = json!({"n": n, "time": time});
            let event = format!("id: {n}\n{kind}data: {data}\n\n");
            if tx.send(Bytes::from(event)).await.is_err() {
                return;
            }
            match pause(&tx, &mut power, TICK).await {
                Pause::Elapsed => {}
                Pause::ClientGone => return,
                Pause::PowerOff => return tx.cut().await,
            }
        }
    });
    stream_response(body)
}

/// `POST /demo/chat`: needs `Authorization: Bearer <token>`; streams the
/// JSON body's `prompt` back word by word, resuming after `Last-Event-ID`
/// words.
pub(crate) async fn chat(state: &Arc<State>, req: Request<Incoming>) -> Response<ServerBody> {
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            let token = token.trim();
            (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
        });
    let Some(token) = token else {
        let mut resp = text(
            StatusCode::UNAUTHORIZED,
            "send Authorization: Bearer <token>",
        );
        resp.headers_mut()
            .insert("www-authenticate", HeaderValue::from_static("Bearer"));
        return resp;
    };
    let resume = last_event_id(req.headers()).unwrap_or(0);
    let body = match read_body(req.into_body()).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let prompt = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("prompt")?.as_str().map(str::to_owned))
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| SENTENCE.to_owned());
    let words: Vec<String> = prompt
        .split_whitespace()
        .take(MAX_WORDS)
        .map(|w| format!("{w} "))
        .collect();

    let (tx, body) = ServerBody::channel();
    let mut power = state.power.subscribe();
    tokio::spawn(async move {
        let hello = json!({"auth": token, "resumed_after": resume});
        let first = format!("{RETRY}data: {hello}\n\n");
        if tx.send(Bytes::from(first)).await.is_err() {
            return;
        }
        let skip = usize::try_from(resume).unwrap_or(usize::MAX);
        for (i, word) in words.iter().enumerate().skip(skip) {
            match pause(&tx, &mut power, TOKEN_GAP).await {
                Pause::Elapsed => {}
                Pause::ClientGone => return,
                Pause::PowerOff => return tx.cut().await,
            }
            let data = json!({"token": word});
            let event = format!("id: {}\ndata: {data}\n\n", i + 1);
            if tx.send(Bytes::from(event)).await.is_err() {
                return;
            }
        }
        let done = json!({"tokens": words.len()});
        let _ = tx
            .send(Bytes::from(format!("event: done\ndata: {done}\n\n")))
            .await;
    });
    stream_response(body)
}

/// `GET /demo/power` reports the switch; `POST /demo/power?on=true|false`
/// sets it. Turning it off cuts every live demo stream.
pub(crate) fn power(state: &State, method: &Method, query: Option<&str>) -> Response<ServerBody> {
    if method == Method::POST {
        match query_param(query, "on").as_deref() {
            Some("true") => {
                state.power.send_replace(true);
            }
            Some("false") => {
                state.power.send_replace(false);
            }
            _ => {
                return text(
                    StatusCode::BAD_REQUEST,
                    "use POST /demo/power?on=true|false",
                )
            }
        }
    }
    json(
        StatusCode::OK,
        json!({"on": *state.power.borrow()}).to_string(),
    )
}
