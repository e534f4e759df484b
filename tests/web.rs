//! The Rust API ([`EventSource`]) in a headless browser, the way the
//! crate's users test theirs: `wasm-pack test --headless --chrome`, against
//! the scripted test server whose URL `tests/run-wasm-tests.mjs` passes in
//! `SSE_TEST_SERVER` at build time. The test page is served by
//! wasm-bindgen-test-runner on another port, so every request is CORS.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use futures_util::future::{select, Either};
use futures_util::{FutureExt, Stream, StreamExt};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use wasm_eventsource::{
    live_engines, BuildError, Credentials, ErrorEvent, EventSource, Message, ReadyState, Reason,
    Redirect, SetupError, SourceEvent, StreamEnd,
};

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{fetch_with, http, script, script_cors, server};

fn url(name: &str) -> String {
    format!("{}/sse/{name}", server())
}

/// Only for negative checks: the window in which a test shows that
/// something does NOT happen (a comment on the line before says what). To
/// wait for something that should happen, wait for it: `next`, `recorded`,
/// `wait_until`.
async fn sleep(ms: u32) {
    TimeoutFuture::new(ms).await;
}

/// Resolves in a later task: stands for real asynchronous work (a token
/// service) in a closure, not for waiting on anything.
async fn later_task() {
    TimeoutFuture::new(0).await;
}

/// Waits until `condition()` holds, checking every 10 ms; panics after 10 s
/// (a deadline for something that should happen, not a wait) with `what`
/// and what `seen()` shows then.
async fn wait_until(what: &str, mut condition: impl FnMut() -> bool, seen: impl Fn() -> String) {
    let deadline = js_sys::Date::now() + 10_000.0;
    while !condition() {
        assert!(
            js_sys::Date::now() < deadline,
            "waited 10 s for {what}; saw {}",
            seen()
        );
        TimeoutFuture::new(10).await;
    }
}

/// The recorded requests (preflights left out) once there are `count`.
async fn recorded(name: &str, count: usize) -> Vec<JsValue> {
    let text = http(
        "GET",
        &format!("/_wait/{name}?count={count}&kind=attempts&timeout=10000"),
        None,
    )
    .await;
    Array::from(&js_sys::JSON::parse(&text).unwrap())
        .iter()
        .collect()
}

fn field(value: &JsValue, path: &[&str]) -> JsValue {
    path.iter().fold(value.clone(), |v, key| {
        Reflect::get(&v, &JsValue::from_str(key)).unwrap()
    })
}

fn header(request: &JsValue, name: &str) -> Option<String> {
    field(request, &["headers", name]).as_string()
}

/// The next item, or `None` when the stream ends; panics after 10 s.
async fn next(source: &mut EventSource) -> Option<SourceEvent> {
    match select(source.next(), TimeoutFuture::new(10_000)).await {
        Either::Left((item, _)) => item,
        Either::Right(_) => panic!("no stream item within 10 s ({source:?})"),
    }
}

/// Items until the stream ends or `n` were taken.
async fn take(source: &mut EventSource, n: usize) -> Vec<SourceEvent> {
    let mut items = Vec::new();
    while items.len() < n {
        match next(source).await {
            Some(item) => items.push(item),
            None => break,
        }
    }
    items
}

fn message(event_type: &str, data: &str, id: &str) -> SourceEvent {
    SourceEvent::Message(Message {
        event_type: event_type.into(),
        data: data.into(),
        last_event_id: id.into(),
        origin: server().into(),
    })
}

fn error_of(item: &SourceEvent) -> &ErrorEvent {
    match item {
        SourceEvent::Error(e) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn events_and_named_events_arrive_in_order_with_their_ids() {
    script(
        "rs-order",
        r#"{"body":[{"data":"id: 7\ndata: a\n\nevent: x\ndata: b\ndata: b2\n\n"},{"delay":20},{"data":": comment\nid: 8\nevent: y\ndata: c\n\ndata: d\n\n"}],"end":"stall"}"#,
    )
    .await;
    let mut source = EventSource::new(url("rs-order")).unwrap();
    assert_eq!(source.ready_state(), ReadyState::Connecting);
    assert_eq!(source.url(), url("rs-order"));
    assert_eq!(next(&mut source).await, Some(SourceEvent::Open));
    assert_eq!(source.ready_state(), ReadyState::Open);
    assert_eq!(
        take(&mut source, 4).await,
        [
            message("message", "a", "7"),
            message("x", "b\nb2", "7"),
            message("y", "c", "8"),
            message("message", "d", "8"),
        ]
    );
    assert_eq!(source.last_event_id(), "8");
    source.close();
    assert_eq!(source.ready_state(), ReadyState::Closed);
    assert_eq!(next(&mut source).await, None, "the stream ends on close()");
}

#[wasm_bindgen_test]
async fn every_builder_option_reaches_the_request() {
    script(
        "rs-options",
        r#"{"body":[{"data":"data: x\n\n"}],"end":"stall"}"#,
    )
    .await;
    let mut source = EventSource::builder(url("rs-options"))
        .method("PUT")
        .header("X-Fixed", "one")
        .headers_with(|| [("X-Computed", "two")])
        .body(r#"{"prompt":"hi"}"#)
        .last_event_id("start-1")
        .last_event_id_query_param("lastId")
        .initial_delay(Duration::from_millis(10))
        .multiplier(2.0)
        .max_delay(Duration::from_secs(1))
        .jitter(0.5)
        .max_attempts(3)
        .retry_on_status([503])
        .inactivity_timeout(Duration::from_secs(5))
        .max_buffer_size(4096)
        .build()
        .unwrap();
    assert_eq!(next(&mut source).await, Some(SourceEvent::Open));
    let reqs = recorded("rs-options", 1).await;
    let req = &reqs[0];
    assert_eq!(field(req, &["method"]).as_string().unwrap(), "PUT");
    assert_eq!(
        field(req, &["path"]).as_string().unwrap(),
        "/sse/rs-options?lastId=start-1"
    );
    assert_eq!(header(req, "x-fixed").as_deref(), Some("one"));
    assert_eq!(header(req, "x-computed").as_deref(), Some("two"));
    assert_eq!(header(req, "last-event-id").as_deref(), Some("start-1"));
    assert_eq!(header(req, "accept").as_deref(), Some("text/event-stream"));
    assert_eq!(
        field(req, &["body"]).as_string().unwrap(),
        r#"{"prompt":"hi"}"#
    );
    assert_eq!(
        take(&mut source, 1).await,
        [message("message", "x", "start-1")],
        "the initial last event id is the messages' until the stream sets one"
    );
}

/// Every string that goes in takes a `String` (or a `&String`) as well as
/// a `&str`.
#[wasm_bindgen_test]
async fn strings_go_in_owned_or_borrowed() {
    script(
        "rs-strings",
        r#"{"body":[{"data":"data: x\n\n"}],"end":"stall"}"#,
    )
    .await;
    let (name, value, body) = (
        String::from("X-Borrowed"),
        String::from("borrowed"),
        String::from("owned body"),
    );
    let mut source = EventSource::builder(url("rs-strings"))
        .method(String::from("POST"))
        .header(String::from("X-Name"), String::from("owned"))
        .header(&name, &value)
        .last_event_id(String::from("id-1"))
        .last_event_id_query_param(String::from("since"))
        .body(&body)
        .build()
        .unwrap();
    assert_eq!(next(&mut source).await, Some(SourceEvent::Open));
    let req = &recorded("rs-strings", 1).await[0];
    assert_eq!(field(req, &["method"]).as_string().unwrap(), "POST");
    assert_eq!(
        field(req, &["path"]).as_string().unwrap(),
        "/sse/rs-strings?since=id-1"
    );
    assert_eq!(header(req, "x-name").as_deref(), Some("owned"));
    assert_eq!(
        header(req, &name.to_ascii_lowercase()),
        Some(value),
        "{name}"
    );
    assert_eq!(header(req, "last-event-id").as_deref(), Some("id-1"));
    assert_eq!(field(req, &["body"]).as_string().unwrap(), body);
    source.close();
    let owned = EventSource::new(url("rs-strings")).unwrap();
    assert_eq!(owned.url(), url("rs-strings"));
}

#[wasm_bindgen_test]
async fn bodies_of_every_kind_and_an_accept_override_are_sent() {
    for (name, body, want) in [
        (
            "rs-body-bytes",
            wasm_eventsource::Body::from(&b"\x00\x01bytes"[..]),
            "AAFieXRlcw==",
        ),
        ("rs-body-text", "text".into(), "dGV4dA=="),
        (
            "rs-body-js",
            JsValue::from(web_sys::UrlSearchParams::new_with_str("a=1&b=2").unwrap()).into(),
            "YT0xJmI9Mg==",
        ),
    ] {
        script(name, r#"{"body":[{"data":":\n"}],"end":"stall"}"#).await;
        let mut source = EventSource::builder(url(name))
            .method("POST")
            .header("Accept", "text/event-stream, */*;q=0.1")
            .body(body)
            .build()
            .unwrap();
        assert_eq!(next(&mut source).await, Some(SourceEvent::Open));
        let req = &recorded(name, 1).await[0];
        assert_eq!(
            field(req, &["body_b64"]).as_string().unwrap(),
            want,
            "{name}"
        );
        assert_eq!(
            header(req, "accept").as_deref(),
            Some("text/event-stream, */*;q=0.1"),
            "{name}: an Accept header set by the user is kept"
        );
    }
}

#[wasm_bindgen_test]
async fn credentials_decide_whether_cookies_go_cross_origin() {
    // The test page and the server share a host, so the page's cookie
    // applies to the server (another port: cross-origin, same site).
    let document = field(&js_sys::global(), &["document"]);
    Reflect::set(&document, &"cookie".into(), &"rs=yes; path=/".into()).unwrap();
    let cases: [(&str, Option<Credentials>, bool, bool); 4] = [
        ("rs-cred-default", None, false, false),
        ("rs-cred-with", None, true, true),
        ("rs-cred-include", Some(Credentials::Include), false, true),
        ("rs-cred-omit", Some(Credentials::Omit), true, false),
    ];
    for (name, credentials, with_credentials, cookie) in cases {
        script_cors(
            name,
            "credentials",
            r#"{"body":[{"data":":\n"}],"end":"stall"}"#,
        )
        .await;
        let mut builder = EventSource::builder(url(name)).with_credentials(with_credentials);
        if let Some(mode) = credentials {
            builder = builder.credentials(mode);
        }
        let mut source = builder.build().unwrap();
        assert_eq!(source.with_credentials(), with_credentials);
        assert_eq!(next(&mut source).await, Some(SourceEvent::Open), "{name}");
        let req = &recorded(name, 1).await[0];
        assert_eq!(header(req, "cookie").is_some(), cookie, "{name}");
    }
}

#[wasm_bindgen_test]
async fn reconnect_sends_the_last_event_id_as_utf8_bytes() {
    script(
        "rs-id",
        r#"{"body":[{"data":"retry: 50\nid: é€\ndata: x\n\n"}],"end":"close"},{"body":[{"data":"data: y\n\n"}],"end":"stall"}"#,
    )
    .await;
    let mut source = EventSource::new(url("rs-id")).unwrap();
    let items = take(&mut source, 5).await;
    assert_eq!(items[0], SourceEvent::Open);
    assert_eq!(items[1], message("message", "x", "é€"));
    let error = error_of(&items[2]);
    assert_eq!(
        (error.reason, error.status, error.will_retry, error.attempt),
        (Reason::BodyEnded, Some(200), true, 1)
    );
    assert_eq!(
        error.retry_delay,
        Some(Duration::from_millis(50)),
        "retry: 50"
    );
    assert_eq!(
        items[3..],
        [SourceEvent::Open, message("message", "y", "é€")]
    );
    let reqs = recorded("rs-id", 2).await;
    assert!(header(&reqs[0], "last-event-id").is_none());
    let bytes: Vec<u8> = Array::from(&field(&reqs[1], &["headers_raw", "last-event-id"]))
        .iter()
        .map(|b| b.as_f64().unwrap() as u8)
        .collect();
    assert_eq!(bytes, "é€".as_bytes());
}

#[wasm_bindgen_test]
async fn per_attempt_headers_and_bodies_are_recomputed() {
    script(
        "rs-fresh",
        r#"{"body":[{"data":"retry: 20\ndata: x\n\n"}],"end":"close"}"#,
    )
    .await;
    let tokens = Rc::new(Cell::new(0));
    let bodies = Rc::new(Cell::new(0));
    let (t, b) = (tokens.clone(), bodies.clone());
    let source = EventSource::builder(url("rs-fresh"))
        .method("POST")
        // A clean end reconnects here, to see each part computed again.
        .stream_end(StreamEnd::Reconnect)
        .header("X-Fixed", "f")
        .headers_with_async(move || {
            let t = t.clone();
            async move {
                later_task().await;
                t.set(t.get() + 1);
                Ok([("Authorization", format!("Bearer {}", t.get()))])
            }
        })
        .body_with(move || {
            b.set(b.get() + 1);
            format!("body {}", b.get())
        })
        .build()
        .unwrap();
    let reqs = recorded("rs-fresh", 3).await;
    source.close();
    assert!(reqs.len() >= 3);
    for (i, req) in reqs.iter().take(3).enumerate() {
        let n = i + 1;
        assert_eq!(header(req, "authorization"), Some(format!("Bearer {n}")));
        assert_eq!(header(req, "x-fixed").as_deref(), Some("f"));
        assert_eq!(field(req, &["body"]).as_string(), Some(format!("body {n}")));
    }
}

#[wasm_bindgen_test]
async fn a_failing_header_function_is_a_setup_error_and_retried() {
    script("rs-setup", r#"{"body":[{"data":":\n"}],"end":"stall"}"#).await;
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    let mut source = EventSource::builder(url("rs-setup"))
        .initial_delay(Duration::from_millis(20))
        .headers_with_async(move || {
            let c = c.clone();
            async move {
                c.set(c.get() + 1);
                if c.get() == 1 {
                    Err("token service down".into())
                } else {
                    Ok(vec![("X-Token", "ok")])
                }
            }
        })
        .build()
        .unwrap();
    let items = take(&mut source, 2).await;
    let error = error_of(&items[0]);
    assert_eq!((error.reason, error.will_retry), (Reason::Setup, true));
    assert!(
        error.message.contains("token service down"),
        "{}",
        error.message
    );
    assert_eq!(items[1], SourceEvent::Open);
    assert_eq!(source.ready_state(), ReadyState::Open);
    let reqs = recorded("rs-setup", 1).await;
    assert_eq!(reqs.len(), 1, "the failed attempt sent nothing");
    assert_eq!(header(&reqs[0], "x-token").as_deref(), Some("ok"));
}

/// A closure that awaits a JavaScript promise fails with `?` on its
/// `JsValue`, and the error event quotes it as the JavaScript class quotes
/// a `headers` function that rejects: `String(e.message ?? e)`.
#[wasm_bindgen_test]
async fn a_rejected_promise_in_a_closure_is_a_setup_error_in_javascript_s_words() {
    script("rs-setup-js", r#"{"body":[{"data":":\n"}],"end":"stall"}"#).await;
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    let mut source = EventSource::builder(url("rs-setup-js"))
        .initial_delay(Duration::from_millis(20))
        .method("POST")
        .body_with_async(move || {
            let c = c.clone();
            async move {
                c.set(c.get() + 1);
                let reason: JsValue = match c.get() {
                    1 => js_sys::Error::new("token expired").into(),
                    2 => "offline".into(),
                    _ => "a body".into(),
                };
                let promise = if c.get() <= 2 {
                    js_sys::Promise::reject(&reason)
                } else {
                    js_sys::Promise::resolve(&reason)
                };
                let body = wasm_bindgen_futures::JsFuture::from(promise).await?;
                Ok(body.as_string().unwrap_or_default())
            }
        })
        .build()
        .unwrap();
    let items = take(&mut source, 3).await;
    let (first, second) = (error_of(&items[0]), error_of(&items[1]));
    assert_eq!((first.reason, first.will_retry), (Reason::Setup, true));
    assert_eq!(
        first.message,
        "preparing the request failed: token expired; reconnecting in 20 ms (attempt 1)"
    );
    assert_eq!(
        second.message,
        "preparing the request failed: offline; reconnecting in 20 ms (attempt 2)"
    );
    assert_eq!(items[2], SourceEvent::Open);
    let reqs = recorded("rs-setup-js", 1).await;
    assert_eq!(field(&reqs[0], &["body"]).as_string().unwrap(), "a body");
}

/// What `?` makes of what a closure may fail with.
#[wasm_bindgen_test]
fn setup_errors_say_what_javascript_says() {
    let object = js_sys::Object::new();
    let with_message = js_sys::Object::new();
    Reflect::set(&with_message, &"message".into(), &JsValue::from(7)).unwrap();
    for (value, want) in [
        (js_sys::Error::new("boom").into(), "boom"),
        (js_sys::TypeError::new("bad type").into(), "bad type"),
        (JsValue::from("plain text"), "plain text"),
        (JsValue::from(42), "42"),
        (JsValue::UNDEFINED, "undefined"),
        (JsValue::NULL, "null"),
        (object.into(), "[object Object]"),
        (with_message.into(), "7"),
    ] {
        assert_eq!(SetupError::from(value).message(), want);
    }
    assert_eq!(
        SetupError::from(js_sys::Error::new("typed")).message(),
        "typed"
    );
    assert_eq!(
        SetupError::from(JsError::new("from JsError")).message(),
        "from JsError"
    );
}

/// `?` on a `BuildError` in a function that returns a `JsValue` error (a
/// `#[wasm_bindgen]` function) throws what the JavaScript class throws for
/// the same input, with the Rust error's words.
#[wasm_bindgen_test]
fn build_errors_become_the_errors_the_javascript_class_throws() {
    fn open(url: &str, jitter: f64) -> Result<EventSource, JsValue> {
        Ok(EventSource::builder(url).jitter(jitter).build()?)
    }
    let bad_url = open("http://[::1", 0.0).unwrap_err();
    let exception: &web_sys::DomException = bad_url.dyn_ref().expect("a DOMException");
    assert_eq!(exception.name(), "SyntaxError");
    assert_eq!(
        exception.message(),
        r#"invalid EventSource URL "http://[::1""#
    );
    let bad_option = open(&url("unused"), 2.0).unwrap_err();
    let error: &js_sys::TypeError = bad_option.dyn_ref().expect("a TypeError");
    assert_eq!(
        String::from(error.message()),
        "EventSource option `jitter` must be a fraction from 0 to 1"
    );
}

/// Each scenario's error items, as (reason, status, will_retry, attempt,
/// gave_up, a word of the message).
#[wasm_bindgen_test]
async fn errors_carry_their_reason() {
    type Want = (Reason, Option<u16>, bool, u32, bool, &'static str);
    type Open = fn(&str) -> Result<EventSource, BuildError>;
    let cases: Vec<(&str, &str, Open, Vec<Want>)> = vec![
        (
            "rs-err-404",
            r#"{"status":404}"#,
            |u| EventSource::new(u),
            vec![(Reason::Status, Some(404), false, 0, false, "404")],
        ),
        (
            "rs-err-type",
            r#"{"headers":{"Content-Type":"text/html"}}"#,
            |u| EventSource::new(u),
            vec![(Reason::ContentType, Some(200), false, 0, false, "text/html")],
        ),
        (
            "rs-err-503",
            r#"{"status":503,"headers":{"Retry-After":"0"}}"#,
            |u| {
                EventSource::builder(u)
                    .retry_on_status([503])
                    .initial_delay(Duration::from_millis(10))
                    .max_attempts(2)
                    .build()
            },
            vec![
                (
                    Reason::Status,
                    Some(503),
                    true,
                    1,
                    false,
                    "reconnecting in 10 ms",
                ),
                (Reason::Status, Some(503), true, 2, false, "attempt 2"),
                (Reason::Status, Some(503), false, 2, true, "gave up"),
            ],
        ),
        (
            "rs-err-ended",
            r#"{"body":[{"data":"data: a\n\n"}],"end":"close"}"#,
            |u| EventSource::builder(u).max_attempts(0).build(),
            vec![(Reason::BodyEnded, Some(200), false, 0, true, "ended")],
        ),
        (
            "rs-err-cut",
            r#"{"body":[{"data":"data: a\n\n"},{"delay":20}],"end":"cut"}"#,
            |u| EventSource::builder(u).max_attempts(0).build(),
            vec![(Reason::BodyError, Some(200), false, 0, true, "broke off")],
        ),
        (
            "rs-err-overflow",
            r#"{"body":[{"data":"data: a\n\ndata: 0123456789abcdef"}],"end":"stall"}"#,
            |u| EventSource::builder(u).max_buffer_size(8).build(),
            vec![(
                Reason::Overflow,
                Some(200),
                false,
                0,
                false,
                "maxBufferSize (8 bytes)",
            )],
        ),
        (
            "rs-err-idle",
            r#"{"body":[{"data":": hi\n\n"}],"end":"stall"}"#,
            |u| {
                EventSource::builder(u)
                    .inactivity_timeout(Duration::from_millis(100))
                    .max_attempts(0)
                    .build()
            },
            vec![(Reason::Inactivity, Some(200), false, 0, true, "(100 ms)")],
        ),
        (
            "rs-err-network",
            r#"{"body":[]}"#,
            // Nothing listens on port 9 of this host.
            |_| {
                EventSource::builder("http://127.0.0.1:9/")
                    .max_attempts(0)
                    .build()
            },
            vec![(Reason::Network, None, false, 0, true, "network error")],
        ),
        (
            "rs-err-scheme",
            r#"{"body":[]}"#,
            |_| EventSource::new("ftp://127.0.0.1/x"),
            vec![(Reason::Scheme, None, false, 0, false, "scheme")],
        ),
    ];
    for (name, response, open, want) in cases {
        script(name, response).await;
        let mut source = open(&url(name)).unwrap();
        let mut got = Vec::new();
        let mut messages = 0;
        while let Some(item) = next(&mut source).await {
            match item {
                SourceEvent::Error(e) => got.push(e),
                SourceEvent::Message(_) => messages += 1,
                SourceEvent::Open => {}
            }
        }
        assert_eq!(got.len(), want.len(), "{name}: {got:?}");
        for (e, w) in got.iter().zip(&want) {
            assert_eq!(
                (e.reason, e.status, e.will_retry, e.attempt, e.gave_up),
                (w.0, w.1, w.2, w.3, w.4),
                "{name}: {e:?}"
            );
            assert!(
                e.message.contains(w.5),
                "{name}: {:?} lacks {:?}",
                e.message,
                w.5
            );
            assert_eq!(e.to_string(), e.message);
            assert_eq!(e.retry_delay.is_some(), e.will_retry, "{name}");
        }
        assert_eq!(source.ready_state(), ReadyState::Closed, "{name}");
        if name == "rs-err-overflow" {
            assert_eq!(messages, 1, "the event before the overflow is delivered");
        }
    }
}

#[wasm_bindgen_test]
fn bad_options_are_build_errors_naming_the_option() {
    let u = url("unused");
    let option = |r: Result<EventSource, BuildError>| match r {
        Err(BuildError::Option { option, .. }) => option,
        other => panic!("expected an option error, got {other:?}"),
    };
    let b = || EventSource::builder(&u);
    assert_eq!(option(b().method("GET POST").build()), "method");
    assert_eq!(option(b().method("TRACE").build()), "method");
    assert_eq!(option(b().body("x").build()), "body");
    assert_eq!(option(b().method("head").body("x").build()), "body");
    assert_eq!(option(b().header("bad name", "v").build()), "header");
    assert_eq!(option(b().header("X-A", "line\nbreak").build()), "header");
    assert_eq!(option(b().last_event_id("a\nb").build()), "last_event_id");
    assert_eq!(
        option(b().last_event_id_query_param("").build()),
        "last_event_id_query_param"
    );
    assert_eq!(
        option(b().initial_delay(Duration::from_secs(1 << 31)).build()),
        "initial_delay"
    );
    assert_eq!(option(b().multiplier(0.5).build()), "multiplier");
    assert_eq!(option(b().multiplier(f64::NAN).build()), "multiplier");
    assert_eq!(option(b().jitter(1.5).build()), "jitter");
    assert_eq!(
        option(b().retry_on_status([503, 42]).build()),
        "retry_on_status"
    );
    assert_eq!(
        option(b().inactivity_timeout(Duration::ZERO).build()),
        "inactivity_timeout"
    );
    assert_eq!(option(b().max_buffer_size(0).build()), "max_buffer_size");
    assert_eq!(option(b().queue_capacity(0).build()), "queue_capacity");
    let err = b().jitter(2.0).build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "EventSource option `jitter` must be a fraction from 0 to 1"
    );
    assert_eq!(
        EventSource::new("http://[::1").unwrap_err(),
        BuildError::Url {
            url: "http://[::1".into()
        }
    );
    // [spec] The URL standard rejects forbidden host code points, even
    // where the browser's own parser percent-encodes them.
    for bad in ["http://this is invalid/", "http://a%3Cb/x", "https://a|b/"] {
        assert_eq!(
            EventSource::new(bad).unwrap_err(),
            BuildError::Url { url: bad.into() },
            "{bad}"
        );
    }
    // Relative URLs resolve against the page, like the standard's.
    let page = field(&js_sys::global(), &["location", "href"])
        .as_string()
        .unwrap();
    let engines = live_engines();
    let source = EventSource::new("stream?x=1").unwrap();
    let want = web_sys::Url::new_with_base("stream?x=1", &page)
        .unwrap()
        .href();
    assert_eq!(source.url(), want);
    assert_eq!(live_engines(), engines + 1, "a source has an engine");
    drop(source);
    // Nothing had started yet, so nothing else holds the engine.
    assert_eq!(live_engines(), engines, "dropping it frees the engine");
}

#[wasm_bindgen_test]
async fn drop_aborts_the_fetch_on_the_server_side() {
    script("rs-drop", r#"{"body":[{"data":":hi\n\n"}],"end":"stall"}"#).await;
    let mut source = EventSource::new(url("rs-drop")).unwrap();
    assert_eq!(next(&mut source).await, Some(SourceEvent::Open));
    drop(source);
    let closed = http("GET", "/_closed/rs-drop?count=1&timeout=5000", None).await;
    assert_eq!(closed.trim(), "1");
}

#[wasm_bindgen_test]
async fn a_thousand_sources_opened_and_dropped_leave_no_live_engine() {
    script("rs-leak", r#"{"body":[{"data":":hi\n\n"}],"end":"stall"}"#).await;
    let before = live_engines();
    let u = url("rs-leak");
    let mut sources: Vec<EventSource> = (0..1000).map(|_| EventSource::new(&u).unwrap()).collect();
    assert_eq!(live_engines(), before + 1000);
    // Some connect (the server has their requests), most wait for one of
    // the host's connection slots: drop them in every state, a few with an
    // item taken if one is ready.
    recorded("rs-leak", 3).await;
    for s in sources.iter_mut().take(3) {
        let _ = s.next().now_or_never();
    }
    drop(sources);
    wait_until(
        "every engine to be freed",
        || live_engines() == before,
        || format!("{} live engines, {before} before", live_engines()),
    )
    .await;
}

#[wasm_bindgen_test]
async fn a_slow_consumer_pauses_reading_and_loses_nothing() {
    // 200,000 events of ~100 bytes: 20 MB the server writes at once, far
    // more than the browser buffers for one response.
    let n = 200_000;
    let name = "rs-backpressure";
    script(
        name,
        &format!(
            r#"{{"body":[{{"repeat":{{"count":{n},"data":"data: {pad}\n\n"}}}}],"end":"stall"}}"#,
            pad = "x".repeat(90)
        ),
    )
    .await;
    let mut source = EventSource::builder(url(name))
        .queue_capacity(100)
        .inactivity_timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    assert_eq!(next(&mut source).await, Some(SourceEvent::Open));
    // Not taking anything: the queue fills up to its capacity...
    wait_until(
        "the queue to fill up to its capacity",
        || source.size_hint().0 >= 100,
        || format!("{} queued", source.size_hint().0),
    )
    .await;
    let full = source.size_hint().0;
    // Negative check: for longer than the inactivity timeout (150 ms), the source may neither queue more nor time out: it stopped reading, and that silence is not the server's.
    sleep(600).await;
    let queued = source.size_hint().0;
    assert_eq!(queued, full, "reading stopped at capacity");
    assert!(
        queued < n / 2,
        "reading stopped instead of queueing all ({queued})"
    );
    let mut got = 0;
    while got < n {
        match next(&mut source).await {
            Some(SourceEvent::Message(m)) => {
                assert_eq!(m.data.len(), 90);
                got += 1;
                if got % 50_000 == 0 && got < n {
                    // Slow again, now and then, until the source has
                    // stopped reading (not after the last one: the stream
                    // then stalls, and the inactivity timeout would
                    // reconnect).
                    wait_until(
                        "the queue to fill up again",
                        || source.size_hint().0 >= 100,
                        || format!("{} queued after {got}", source.size_hint().0),
                    )
                    .await;
                }
            }
            other => panic!("after {got} messages: {other:?}"),
        }
    }
    assert_eq!(source.ready_state(), ReadyState::Open);
    let reqs = recorded(name, 1).await;
    assert_eq!(reqs.len(), 1, "never reconnected");
}

#[wasm_bindgen_test]
async fn a_custom_fetch_is_called_for_every_attempt() {
    script(
        "rs-fetch",
        r#"{"body":[{"data":"data: via custom fetch\n\n"}],"end":"stall"}"#,
    )
    .await;
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    let real = field(&js_sys::global(), &["fetch"]).unchecked_into::<js_sys::Function>();
    let custom = Closure::<dyn Fn(JsValue, JsValue) -> JsValue>::new(move |url, init| {
        c.set(c.get() + 1);
        real.call2(&JsValue::UNDEFINED, &url, &init).unwrap()
    });
    let mut source = EventSource::builder(url("rs-fetch"))
        .fetch(custom.as_ref().unchecked_ref::<js_sys::Function>().clone())
        .build()
        .unwrap();
    assert_eq!(
        take(&mut source, 2).await,
        [
            SourceEvent::Open,
            message("message", "via custom fetch", "")
        ]
    );
    assert_eq!(calls.get(), 1);
    drop(source);
    drop(custom);
}

#[wasm_bindgen_test]
async fn a_cors_refusal_fails_the_source_once() {
    // Cross-origin (the page is the test runner's) and no CORS headers.
    // The runner's page is cross-origin isolated (COEP: require-corp), so
    // the no-cors probe that tells CORS from the network needs the server's
    // Cross-Origin-Resource-Policy to be readable at all.
    script_cors(
        "rs-cors",
        "none",
        r#"{"headers":{"Cross-Origin-Resource-Policy":"cross-origin"},"body":[{"data":"data: secret\n\n"}]}"#,
    )
    .await;
    let mut source = EventSource::builder(url("rs-cors"))
        .initial_delay(Duration::from_millis(10))
        .build()
        .unwrap();
    let items = take(&mut source, 3).await;
    assert_eq!(items.len(), 1, "{items:?}");
    let error = error_of(&items[0]);
    assert_eq!(
        (error.reason, error.will_retry, error.status),
        (Reason::Cors, false, None)
    );
    assert_eq!(source.ready_state(), ReadyState::Closed);
    let methods: Vec<String> = recorded("rs-cors", 2)
        .await
        .iter()
        .map(|r| field(r, &["method"]).as_string().unwrap())
        .collect();
    assert_eq!(
        methods,
        ["GET", "HEAD"],
        "the request and one no-cors probe"
    );
}

#[wasm_bindgen_test]
async fn window_stop_fails_a_streaming_source() {
    script(
        "rs-stop",
        r#"{"body":[{"data":"data: a\n\n"}],"end":"stall"}"#,
    )
    .await;
    let mut source = EventSource::new(url("rs-stop")).unwrap();
    assert_eq!(
        take(&mut source, 2).await,
        [SourceEvent::Open, message("message", "a", "")]
    );
    let stop = field(&js_sys::global(), &["stop"]).unchecked_into::<js_sys::Function>();
    stop.call0(&js_sys::global()).unwrap();
    let items = take(&mut source, 2).await;
    assert_eq!(items.len(), 1, "{items:?}");
    let error = error_of(&items[0]);
    assert_eq!((error.reason, error.will_retry), (Reason::Aborted, false));
}

/// Fires a synthetic event of `kind` at the global object, as the browser
/// would (`online`, `offline`), or a `PageTransitionEvent` when `persisted`
/// is given (`pagehide`, `pageshow`).
fn fire(kind: &str, persisted: Option<bool>) {
    let global: JsValue = js_sys::global().into();
    let init = js_sys::Object::new();
    let class = match persisted {
        Some(p) => {
            Reflect::set(&init, &"persisted".into(), &p.into()).unwrap();
            "PageTransitionEvent"
        }
        None => "Event",
    };
    let ctor = field(&global, &[class]).unchecked_into::<js_sys::Function>();
    let event = Reflect::construct(&ctor, &Array::of2(&kind.into(), &init)).unwrap();
    let dispatch = field(&global, &["dispatchEvent"]).unchecked_into::<js_sys::Function>();
    dispatch.call1(&global, &event).unwrap();
}

/// The next item within `ms`, or `None` if none came: a negative check
/// (nothing may come) or a deadline for an item that should.
async fn next_within(source: &mut EventSource, ms: u32) -> Option<SourceEvent> {
    match select(source.next(), TimeoutFuture::new(ms)).await {
        Either::Left((item, _)) => item,
        Either::Right(_) => None,
    }
}

#[wasm_bindgen_test]
async fn the_back_forward_cache_lets_the_connection_go_and_resumes_at_once() {
    script(
        "rs-bfcache",
        r#"{"body":[{"data":"retry: 60000\nid: 1\ndata: a\n\ndata: unfinished"}],"end":"stall"},
           {"body":[{"data":"id: 2\ndata: b\n\n"}],"end":"stall"}"#,
    )
    .await;
    let mut source = EventSource::new(url("rs-bfcache")).unwrap();
    assert_eq!(
        take(&mut source, 2).await,
        [SourceEvent::Open, message("message", "a", "1")]
    );
    fire("pagehide", Some(true));
    assert_eq!(source.ready_state(), ReadyState::Connecting);
    let closed = http("GET", "/_closed/rs-bfcache?count=1&timeout=5000", None).await;
    assert_eq!(closed, "1", "the connection was let go");
    // Negative check: no error, and nothing at all, may come within 300 ms while the page is away.
    assert_eq!(next_within(&mut source, 300).await, None);
    fire("pageshow", Some(true));
    // retry: 60000, so only a reconnection at once arrives in time.
    assert_eq!(
        take(&mut source, 2).await,
        [SourceEvent::Open, message("message", "b", "2")]
    );
    let requests = recorded("rs-bfcache", 2).await;
    assert_eq!(header(&requests[1], "last-event-id").as_deref(), Some("1"));
}

#[wasm_bindgen_test]
async fn coming_back_online_ends_a_wait_after_a_network_failure() {
    script(
        "rs-online",
        r#"{"body":[{"data":"retry: 10000\nid: 1\ndata: a\n\n"},{"delay":100}],"end":"cut"},
           {"body":[{"data":"id: 2\ndata: b\n\n"}],"end":"stall"}"#,
    )
    .await;
    let mut source = EventSource::new(url("rs-online")).unwrap();
    let items = take(&mut source, 3).await;
    assert_eq!(
        items[..2],
        [SourceEvent::Open, message("message", "a", "1")]
    );
    assert_eq!(
        error_of(&items[2]).retry_delay,
        Some(Duration::from_millis(10_000))
    );
    fire("offline", None);
    fire("online", None);
    // Within the jitter, not after 10 s.
    let mut items = Vec::new();
    while items.len() < 2 {
        match next_within(&mut source, 3000).await {
            Some(item) => items.push(item),
            None => panic!("no reconnection on online: {items:?}"),
        }
    }
    assert_eq!(items, [SourceEvent::Open, message("message", "b", "2")]);
}

#[wasm_bindgen_test]
async fn from_readable_stream_parses_a_body_the_app_fetched_itself() {
    script(
        "rs-from-stream",
        r#"{"body":[{"data":"id: 42\nretry: 5000\ndata: hello\n\nevent: x\ndata: partial"}]}"#,
    )
    .await;
    let response: web_sys::Response = wasm_bindgen_futures::JsFuture::from(fetch_with(
        &url("rs-from-stream"),
        &JsValue::UNDEFINED,
    ))
    .await
    .unwrap()
    .unchecked_into();
    let body = response.body().unwrap();
    let mut source = EventSource::from_readable_stream(&body).unwrap();
    assert_eq!(source.url(), "about:event-stream");
    assert!(
        matches!(
            EventSource::from_readable_stream(&body),
            Err(BuildError::Option {
                option: "stream",
                ..
            })
        ),
        "a locked stream is refused"
    );
    let items = take(&mut source, 4).await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[0], SourceEvent::Open);
    assert_eq!(
        items[1],
        SourceEvent::Message(Message {
            event_type: "message".into(),
            data: "hello".into(),
            last_event_id: "42".into(),
            origin: "null".into(),
        })
    );
    let end = error_of(&items[2]);
    assert_eq!((end.reason, end.will_retry), (Reason::BodyEnded, false));
    assert_eq!(end.message, "the stream ended");
    assert_eq!(source.last_event_id(), "42");
    assert_eq!(source.reconnection_time(), Duration::from_secs(5));
    assert_eq!(source.ready_state(), ReadyState::Closed);
}

#[wasm_bindgen_test]
async fn a_stream_chunk_that_is_not_bytes_fails_the_source_and_says_so() {
    // A stream of strings, as after a TextDecoderStream: the event before
    // the first string arrives, then one error; never a silent end.
    let make = js_sys::Function::new_no_args(
        "return new ReadableStream({ start(c) { \
           c.enqueue(new TextEncoder().encode('data: before\\n\\n')); \
           c.enqueue('data: text\\n\\n'); } })",
    );
    let stream: web_sys::ReadableStream = make.call0(&JsValue::NULL).unwrap().unchecked_into();
    let mut source = EventSource::from_readable_stream(&stream).unwrap();
    let items = take(&mut source, 3).await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[0], SourceEvent::Open);
    // A supplied stream's messages have the origin "null".
    assert!(
        matches!(&items[1], SourceEvent::Message(m) if m.data == "before" && &*m.origin == "null"),
        "{:?}",
        items[1]
    );
    let error = error_of(&items[2]);
    assert_eq!((error.reason, error.will_retry), (Reason::BodyError, false));
    assert_eq!(
        error.message,
        "the stream errored: a chunk is a string, not a Uint8Array \
         (encode text with a TextEncoderStream first)"
    );
    assert_eq!(source.ready_state(), ReadyState::Closed);
}

#[wasm_bindgen_test]
async fn a_custom_fetch_that_gives_no_response_is_a_setup_error_naming_the_option() {
    let fetch =
        js_sys::Function::new_with_args("url, init", "return Promise.resolve({ status: 200 })");
    let mut source = EventSource::builder("/never-fetched")
        .fetch(fetch)
        .max_attempts(0)
        .build()
        .unwrap();
    let items = take(&mut source, 1).await;
    let error = error_of(&items[0]);
    assert_eq!((error.reason, error.will_retry), (Reason::Setup, false));
    assert!(
        error.message.starts_with(
            "preparing the request failed: the fetch option resolved to an Object, not a Response"
        ),
        "{}",
        error.message
    );
}

#[wasm_bindgen_test]
async fn a_post_stream_that_ends_cleanly_is_done_and_never_sent_again() {
    let answer = r#"{"body":[{"data":"retry: 20\nid: 1\ndata: Hello\n\n"}],"end":"close"}"#;
    script("rs-end-post", answer).await;
    script("rs-end-get", answer).await;
    script("rs-end-again", answer).await;
    // POST: the default closes at the end.
    let mut source = EventSource::builder(url("rs-end-post"))
        .method("POST")
        .body(r#"{"prompt":"hi"}"#)
        .build()
        .unwrap();
    let items = take(&mut source, 4).await;
    assert_eq!(items.len(), 3, "the stream of items ends: {items:?}");
    assert_eq!(
        items[..2],
        [SourceEvent::Open, message("message", "Hello", "1")]
    );
    let end = error_of(&items[2]);
    assert_eq!(
        (end.reason, end.will_retry, end.gave_up),
        (Reason::BodyEnded, false, false)
    );
    assert_eq!(source.ready_state(), ReadyState::Closed);
    // GET, asked to close.
    let mut source = EventSource::builder(url("rs-end-get"))
        .stream_end(StreamEnd::Close)
        .build()
        .unwrap();
    assert_eq!(take(&mut source, 4).await.len(), 3);
    // POST, asked to reconnect: sent again, with the id.
    let mut source = EventSource::builder(url("rs-end-again"))
        .method("POST")
        .body("again")
        .stream_end(StreamEnd::Reconnect)
        .build()
        .unwrap();
    let items = take(&mut source, 4).await;
    assert!(error_of(&items[2]).will_retry);
    assert_eq!(items[3], SourceEvent::Open);
    let again = recorded("rs-end-again", 2).await;
    assert_eq!(header(&again[1], "last-event-id").as_deref(), Some("1"));
    drop(source);
    // Negative check: a reconnection after retry: 20 would have come by now.
    sleep(300).await;
    for name in ["rs-end-post", "rs-end-get"] {
        let text = http("GET", &format!("/_requests/{name}"), None).await;
        let n = Array::from(&js_sys::JSON::parse(&text).unwrap()).length();
        assert_eq!(n, 1, "{name} sent the request again");
    }
}

#[wasm_bindgen_test]
async fn custom_headers_refuse_a_redirect_unless_asked_to_follow() {
    let target = format!("{}/sse/rs-redir-target", server());
    script(
        "rs-redir-target",
        r#"{"body":[{"data":"data: moved\n\n"}],"end":"stall"}"#,
    )
    .await;
    let redirect = format!(r#"{{"status":307,"headers":{{"location":"{target}"}}}}"#);
    script("rs-redir-refused", &redirect).await;
    script("rs-redir-followed", &redirect).await;
    // The default with a custom header: refused, nothing sent on.
    let mut source = EventSource::builder(url("rs-redir-refused"))
        .header("X-Api-Key", "secret")
        .build()
        .unwrap();
    let items = take(&mut source, 2).await;
    assert_eq!(items.len(), 1, "{items:?}");
    let error = error_of(&items[0]);
    assert_eq!((error.reason, error.will_retry), (Reason::Redirect, false));
    // Asked to follow: the target gets the header.
    let mut source = EventSource::builder(url("rs-redir-followed"))
        .header("X-Api-Key", "secret")
        .redirect(Redirect::Follow)
        .build()
        .unwrap();
    assert_eq!(take(&mut source, 1).await, [SourceEvent::Open]);
    let reached = recorded("rs-redir-target", 1).await;
    assert_eq!(
        reached.len(),
        1,
        "only the followed redirect reached the target"
    );
    assert_eq!(header(&reached[0], "x-api-key").as_deref(), Some("secret"));
}
