//! The `make demo` endpoints: an endless clock stream, an authenticated
//! LLM-style chat stream, and a power switch that simulates the network
//! going down so the demo can show reconnection.
//!
//! All of them answer CORS as `anonymous` (the router adds the headers).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
            let data = json!({"n": n, "time": iso8601_now()});
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

/// `GET|POST /demo/chat`: needs `Authorization: Bearer <token>`; streams
/// the prompt back word by word, resuming after `Last-Event-ID` words.
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
    let query_prompt = query_param(req.uri().query(), "prompt");
    let body = match read_body(req.into_body()).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let prompt = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("prompt")?.as_str().map(str::to_owned))
        .or(query_prompt)
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
            Some("true" | "1") => {
                state.power.send_replace(true);
            }
            Some("false" | "0") => {
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

/// The current UTC time as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn iso8601_now() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format_utc(now.as_secs(), now.subsec_millis())
}

fn format_utc(secs: u64, millis: u32) -> String {
    let (y, m, d) = civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0));
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `civil_from_days`), to avoid a date crate for one timestamp.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formatting() {
        assert_eq!(format_utc(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_utc(1_704_067_200, 5), "2024-01-01T00:00:00.005Z");
        assert_eq!(format_utc(1_709_210_096, 999), "2024-02-29T12:34:56.999Z");
    }
}
