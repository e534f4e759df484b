//! Request routing and the handlers for scripted streams (`/sse/{name}`)
//! and the control API (`/_script`, `/_requests`, `/_wait`, `/_closed`,
//! `/_result`).
//!
//! The control API and the demo answer CORS as `anonymous`: browser tests
//! run on the test runner's origin, not this server's.

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};

use crate::http::{
    apply_cors, is_preflight, json, preflight, query_num, query_param, read_body, text,
};
use crate::script::{Cors, Counter, End, Script, ScriptedResponse, Step};
use crate::state::{Kind, Record, State, StoredResult};
use crate::stream::{Gone, ServerBody, StreamTx};
use crate::{bench, demo, files};

/// Long-polls never wait longer than this, whatever the query says.
const MAX_WAIT: Duration = Duration::from_secs(120);

/// Returned by the service to make hyper close the connection without
/// sending a response: what a network failure looks like to a browser.
#[derive(Debug)]
pub struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl Error for Dropped {}

/// Handles one request.
pub(crate) async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<ServerBody>, Dropped> {
    let arrived_ms = state.elapsed_ms();
    if state.verbose {
        crate::log(format_args!(
            "{arrived_ms:>10.1} ms  {} {}",
            req.method(),
            req.uri()
        ));
    }
    let path = req.uri().path().to_owned();
    if let Some(name) = path.strip_prefix("/sse/") {
        return Ok(scripted(&state, name, arrived_ms, req).await);
    }
    let request_headers = req.headers().clone();
    let mut resp = if is_preflight(req.method(), req.headers()) {
        preflight(Cors::Anonymous, &request_headers)
    } else if let Some(rest) = path.strip_prefix("/_") {
        control(&state, rest, req).await
    } else if let Some(what) = path.strip_prefix("/demo/") {
        demo_route(&state, what, req).await?
    } else if path == "/bench" && matches!(*req.method(), Method::GET | Method::HEAD) {
        bench::handle(&state.bench_cache, req.uri().query())
    } else if path == "/tick" && *req.method() == Method::GET {
        bench::tick(req.uri().query())
    } else {
        files::serve(&state.mounts, req.method(), &path)
            .unwrap_or_else(|| text(StatusCode::NOT_FOUND, &format!("nothing at {path}")))
    };
    apply_cors(resp.headers_mut(), Cors::Anonymous, &request_headers);
    Ok(resp)
}

fn wait_timeout(query: Option<&str>, default_ms: u64) -> Duration {
    Duration::from_millis(query_num(query, "timeout", default_ms)).min(MAX_WAIT)
}

/// `/_{endpoint}/{name}` requests.
async fn control(state: &State, rest: &str, req: Request<Incoming>) -> Response<ServerBody> {
    let (endpoint, name) = rest.split_once('/').unwrap_or((rest, ""));
    let method = req.method().clone();
    let query = req.uri().query().map(str::to_owned);
    let query = query.as_deref();
    if name.is_empty() {
        return text(StatusCode::BAD_REQUEST, &format!("use /_{endpoint}/NAME"));
    }
    let kind = match query_param(query, "kind").as_deref() {
        None | Some("all") => Kind::All,
        Some("attempts") => Kind::Attempts,
        Some(other) => {
            return text(
                StatusCode::BAD_REQUEST,
                &format!("kind={other}: use all or attempts"),
            )
        }
    };
    match (&method, endpoint) {
        (&Method::POST, "script") => {
            let body = match read_body(req.into_body()).await {
                Ok(b) => b,
                Err(resp) => return resp,
            };
            match Script::compile(&body) {
                Ok(script) => {
                    let n = script.responses.len();
                    state.set_script(name, script);
                    json(StatusCode::OK, format!(r#"{{"ok":true,"responses":{n}}}"#))
                }
                Err(e) => text(StatusCode::BAD_REQUEST, &e),
            }
        }
        (&Method::GET, "requests") => {
            let (_, list) = state.wait_requests(name, kind, 0, Duration::ZERO).await;
            json(StatusCode::OK, list)
        }
        (&Method::GET, "wait") => {
            let count = query_num(query, "count", 1);
            let timeout = wait_timeout(query, 5000);
            let (reached, list) = state.wait_requests(name, kind, count, timeout).await;
            let mut resp = json(StatusCode::OK, list);
            resp.headers_mut().insert(
                "x-wait-reached",
                HeaderValue::from_static(if reached { "true" } else { "false" }),
            );
            resp
        }
        (&Method::GET, "closed") => {
            let count = query_num(query, "count", 0);
            let n = state
                .wait_closed(name, count, wait_timeout(query, 5000))
                .await;
            json(StatusCode::OK, n.to_string())
        }
        (&Method::GET, "sent") => json(StatusCode::OK, state.sent(name).to_string()),
        (&Method::POST, "result") => {
            let content_type = req.headers().get(CONTENT_TYPE).cloned();
            match read_body(req.into_body()).await {
                Ok(body) => {
                    state.store_result(name, StoredResult { content_type, body });
                    text(StatusCode::OK, "stored")
                }
                Err(resp) => resp,
            }
        }
        (&Method::GET, "result") => {
            match state.wait_result(name, wait_timeout(query, 10_000)).await {
                Some(result) => {
                    let mut resp = Response::new(ServerBody::full(result.body));
                    if let Some(ct) = result.content_type {
                        resp.headers_mut().insert(CONTENT_TYPE, ct);
                    }
                    resp
                }
                None => text(StatusCode::NOT_FOUND, "no result stored before the timeout"),
            }
        }
        _ => text(
            StatusCode::NOT_FOUND,
            &format!("no control endpoint {method} /_{endpoint}/"),
        ),
    }
}

async fn demo_route(
    state: &Arc<State>,
    what: &str,
    req: Request<Incoming>,
) -> Result<Response<ServerBody>, Dropped> {
    let method = req.method().clone();
    let streams = matches!(
        (what, &method),
        ("clock", &Method::GET) | ("chat", &Method::POST)
    );
    // With the power off a stream request gets no response at all.
    if streams && !*state.power.borrow() {
        return Err(Dropped);
    }
    Ok(match what {
        "clock" if streams => demo::clock(state, req.headers()),
        "chat" if streams => demo::chat(state, req).await,
        "power" if matches!(method, Method::GET | Method::POST) => {
            demo::power(state, &method, req.uri().query())
        }
        _ => text(StatusCode::NOT_FOUND, "demo endpoints: clock, chat, power"),
    })
}

/// `/sse/{name}`: record the request, then answer from the script.
async fn scripted(
    state: &Arc<State>,
    name: &str,
    arrived_ms: f64,
    req: Request<Incoming>,
) -> Response<ServerBody> {
    let (parts, body) = req.into_parts();
    let preflight_request = is_preflight(&parts.method, &parts.headers);
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path(), |pq| pq.as_str());
    let record = Record::new(
        parts.method.as_str(),
        path,
        &parts.headers,
        &body,
        arrived_ms,
        preflight_request,
    );
    let registered = state.register(name, record);
    let Some(script) = registered.script else {
        let mut resp = text(
            StatusCode::NOT_FOUND,
            &format!("no script for {name:?}: POST /_script/{name} first"),
        );
        apply_cors(resp.headers_mut(), Cors::Anonymous, &parts.headers);
        return resp;
    };
    if preflight_request {
        return preflight(script.cors, &parts.headers);
    }
    let Some(scripted) = script.pick(registered.attempt) else {
        let mut resp = text(
            StatusCode::NOT_FOUND,
            &format!("script {name:?} has no responses"),
        );
        apply_cors(resp.headers_mut(), script.cors, &parts.headers);
        return resp;
    };

    let body = if scripted.body.is_empty() && scripted.end == End::Close {
        ServerBody::empty()
    } else {
        let (tx, body) = ServerBody::channel();
        let resume_after = parts
            .headers
            .get("last-event-id")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
        tokio::spawn(play(
            state.clone(),
            name.to_owned(),
            registered.generation,
            scripted.clone(),
            resume_after,
            tx,
        ));
        body
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = scripted.status;
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    apply_script_headers(headers, &scripted);
    apply_cors(headers, script.cors, &parts.headers);
    // Again, so a script can override or remove a CORS header to test the
    // client's handling of a broken CORS response.
    apply_script_headers(headers, &scripted);
    resp
}

fn apply_script_headers(headers: &mut HeaderMap, scripted: &ScriptedResponse) {
    for (name, values) in &scripted.headers {
        headers.remove(name);
        for value in values.iter().flatten() {
            headers.append(name.clone(), value.clone());
        }
    }
}

/// A `count` step: numbered events after `resume_after`, one per `interval`.
async fn count_events(
    state: &State,
    name: &str,
    generation: u64,
    tx: &StreamTx,
    counter: &Counter,
    resume_after: u64,
) -> Result<(), Gone> {
    let padding = match counter.pad {
        0 => String::new(),
        pad => format!(": {}\n", "x".repeat(pad.saturating_sub(3))),
    };
    let mut next = tokio::time::Instant::now();
    let last = counter
        .count
        .map_or(u64::MAX, |c| resume_after.saturating_add(c));
    for n in resume_after.saturating_add(1)..=last {
        next += counter.interval;
        tx.sleep(next.saturating_duration_since(tokio::time::Instant::now()))
            .await?;
        let data = Bytes::from(format!("{padding}id: {n}\ndata: {n}\n\n"));
        let len = data.len();
        tx.send(data).await?;
        state.add_sent(name, generation, len);
    }
    Ok(())
}

/// Feeds a scripted body to the connection, counting the stream as closed
/// by the client if the client leaves before the body ended.
async fn play(
    state: Arc<State>,
    name: String,
    generation: u64,
    scripted: Arc<ScriptedResponse>,
    resume_after: u64,
    tx: StreamTx,
) {
    for step in &scripted.body {
        let sent = match step {
            Step::Send(data) => {
                let sent = tx.send(data.clone()).await;
                if sent.is_ok() {
                    state.add_sent(&name, generation, data.len());
                }
                sent
            }
            Step::Delay(d) => tx.sleep(*d).await,
            Step::Count(counter) => {
                count_events(&state, &name, generation, &tx, counter, resume_after).await
            }
        };
        if sent.is_err() {
            state.client_closed(&name, generation);
            return;
        }
    }
    match scripted.end {
        End::Close => {}
        End::Stall => {
            tx.closed().await;
            state.client_closed(&name, generation);
        }
        End::Cut => tx.cut().await,
    }
}
