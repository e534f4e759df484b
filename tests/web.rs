//! Engine-level tests in headless Chromium (`wasm-bindgen-test`), against
//! the scripted test server whose URL `tests/run-wasm-tests.mjs` passes in
//! `SSE_TEST_SERVER` at build time. The test page is served by
//! wasm-bindgen-test-runner on another port, so every script uses CORS.
//!
//! These drive [`Engine`] directly with a recording sink, checking what the
//! facade cannot see: one crossing per chunk, the bytes on the wire, and that
//! closed engines leave nothing behind.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use wasm_eventsource::js_api::{live_engines, Engine, Options, Sink};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(f: &Function, ms: i32);
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with(url: &str, init: &JsValue) -> Promise;
}

fn server() -> &'static str {
    // Not env!(): clippy and plain builds of the test target must compile
    // without the server; only running the tests needs it.
    match option_env!("SSE_TEST_SERVER") {
        Some(url) => url,
        None => panic!("run through tests/run-wasm-tests.mjs, which sets SSE_TEST_SERVER"),
    }
}

async fn sleep(ms: i32) {
    let p = Promise::new(&mut |resolve, _| set_timeout(&resolve, ms));
    JsFuture::from(p).await.unwrap();
}

async fn http(method: &str, path: &str, body: Option<&str>) -> String {
    let init = Object::new();
    Reflect::set(&init, &"method".into(), &method.into()).unwrap();
    if let Some(b) = body {
        Reflect::set(&init, &"body".into(), &b.into()).unwrap();
    }
    let url = format!("{}{}", server(), path);
    let resp: web_sys::Response = JsFuture::from(fetch_with(&url, &init))
        .await
        .unwrap()
        .unchecked_into();
    JsFuture::from(resp.text().unwrap())
        .await
        .unwrap()
        .as_string()
        .unwrap()
}

/// Script `/sse/{name}`: each element of `responses` is one attempt's JSON.
async fn script(name: &str, responses: &str) {
    let body = format!(r#"{{"cors":"anonymous","responses":[{responses}]}}"#);
    http("POST", &format!("/_script/{name}"), Some(&body)).await;
}

/// The recorded requests (preflights left out) once there are `count`.
async fn recorded(name: &str, count: usize) -> Vec<JsValue> {
    let mut requests = Vec::new();
    for _ in 0..100 {
        let text = http("GET", &format!("/_requests/{name}"), None).await;
        requests = Array::from(&js_sys::JSON::parse(&text).unwrap())
            .iter()
            .filter(|r| Reflect::get(r, &"preflight".into()).unwrap() != JsValue::TRUE)
            .collect();
        if requests.len() >= count {
            break;
        }
        sleep(25).await;
    }
    requests
}

/// What the engine told its sink, in order.
#[derive(Default)]
struct Log {
    calls: Vec<String>,
}

fn sink(log: &Rc<RefCell<Log>>) -> Sink {
    let obj = Object::new();
    let l = log.clone();
    let open = Closure::<dyn FnMut(String)>::new(move |origin: String| {
        l.borrow_mut().calls.push(format!("open {origin}"));
    });
    let l = log.clone();
    let events = Closure::<dyn FnMut(String)>::new(move |packed: String| {
        l.borrow_mut().calls.push(format!("events {packed:?}"));
    });
    let l = log.clone();
    let error = Closure::<dyn FnMut(u8, u8, u16, f64, u32, bool, String)>::new(
        move |state: u8,
              reason: u8,
              status: u16,
              _delay: f64,
              _attempt: u32,
              _gave_up: bool,
              _detail: String| {
            l.borrow_mut().calls.push(format!(
                "error state={state} reason={reason} status={status}"
            ));
        },
    );
    Reflect::set(&obj, &"open".into(), open.as_ref()).unwrap();
    Reflect::set(&obj, &"events".into(), events.as_ref()).unwrap();
    Reflect::set(&obj, &"error".into(), error.as_ref()).unwrap();
    // The closures live as long as the test page.
    open.forget();
    events.forget();
    error.forget();
    obj.unchecked_into()
}

/// The facade's normalized options with the standard's defaults, then `extra`.
fn options(extra: &[(&str, JsValue)]) -> Options {
    let o = Object::new();
    let defaults: [(&str, JsValue); 12] = [
        ("method", "GET".into()),
        ("credentials", "same-origin".into()),
        ("lastEventId", "".into()),
        ("initialDelay", 3000.0.into()),
        ("maxDelay", f64::INFINITY.into()),
        ("multiplier", 1.0.into()),
        ("jitter", 0.0.into()),
        ("maxAttempts", f64::INFINITY.into()),
        ("retryOnStatus", Array::new().into()),
        ("inactivityTimeout", 0.0.into()),
        ("maxBufferSize", 67_108_864.0.into()),
        ("headers", JsValue::UNDEFINED),
    ];
    for (k, v) in defaults.iter().chain(extra.iter()) {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.unchecked_into()
}

async fn wait_for(log: &Rc<RefCell<Log>>, pred: impl Fn(&[String]) -> bool) {
    for _ in 0..200 {
        if pred(&log.borrow().calls) {
            return;
        }
        sleep(25).await;
    }
    panic!("timed out; calls so far: {:?}", log.borrow().calls);
}

#[wasm_bindgen_test]
async fn all_events_of_a_chunk_cross_in_one_call() {
    script(
        "web-batch",
        r#"{"body":[{"data":"id: 7\ndata: a\n\nevent: x\ndata: b\n\ndata: c\n\n"}],"end":"stall"}"#,
    )
    .await;
    let log = Rc::new(RefCell::new(Log::default()));
    let engine = Engine::new(
        format!("{}/sse/web-batch", server()),
        &options(&[]),
        sink(&log),
    );
    wait_for(&log, |c| c.iter().any(|s| s.starts_with("events"))).await;
    sleep(100).await;
    let calls = log.borrow().calls.clone();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0], format!("open {}", server()));
    assert_eq!(
        calls[1],
        r#"events "a\rmessage\r7\rb\rx\r7\rc\rmessage\r7\r""#
    );
    assert_eq!(engine.ready_state(), 1);
    assert_eq!(engine.last_event_id(), "7");
    engine.close();
    assert_eq!(engine.ready_state(), 2);
}

#[wasm_bindgen_test]
async fn a_404_fails_the_connection_without_retrying() {
    script("web-404", r#"{"status":404,"body":[{"data":"nope"}]}"#).await;
    let log = Rc::new(RefCell::new(Log::default()));
    let engine = Engine::new(
        format!("{}/sse/web-404", server()),
        &options(&[]),
        sink(&log),
    );
    wait_for(&log, |c| !c.is_empty()).await;
    sleep(200).await;
    assert_eq!(
        log.borrow().calls,
        vec!["error state=2 reason=3 status=404".to_owned()]
    );
    assert_eq!(engine.ready_state(), 2);
    assert_eq!(recorded("web-404", 1).await.len(), 1);
}

#[wasm_bindgen_test]
async fn reconnect_sends_the_last_event_id_as_utf8_bytes() {
    script(
        "web-id",
        r#"{"body":[{"data":"retry: 50\nid: é€\ndata: x\n\n"}],"end":"close"},{"body":[],"end":"stall"}"#,
    )
    .await;
    let log = Rc::new(RefCell::new(Log::default()));
    let engine = Engine::new(
        format!("{}/sse/web-id", server()),
        &options(&[]),
        sink(&log),
    );
    let reqs = recorded("web-id", 2).await;
    engine.close();
    assert_eq!(reqs.len(), 2);
    let header = |req: &JsValue, name: &str| {
        let raw = Reflect::get(req, &"headers_raw".into()).unwrap();
        Reflect::get(&raw, &name.into()).unwrap()
    };
    assert!(header(&reqs[0], "last-event-id").is_undefined());
    let bytes: Vec<u8> = Array::from(&header(&reqs[1], "last-event-id"))
        .iter()
        .map(|b| b.as_f64().unwrap() as u8)
        .collect();
    assert_eq!(bytes, "é€".as_bytes());
}

#[wasm_bindgen_test]
async fn close_aborts_the_streaming_fetch() {
    script(
        "web-close",
        r#"{"body":[{"data":":hi\n\n"}],"end":"stall"}"#,
    )
    .await;
    let log = Rc::new(RefCell::new(Log::default()));
    let engine = Engine::new(
        format!("{}/sse/web-close", server()),
        &options(&[]),
        sink(&log),
    );
    wait_for(&log, |c| c.iter().any(|s| s.starts_with("open"))).await;
    engine.close();
    let mut closed = String::new();
    for _ in 0..100 {
        closed = http("GET", "/_closed/web-close", None).await;
        if closed.trim() == "1" {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(closed.trim(), "1");
    assert_eq!(log.borrow().calls.len(), 1, "close() fires nothing");
}

#[wasm_bindgen_test]
async fn closed_engines_leave_nothing_behind() {
    script("web-leak", r#"{"body":[{"data":":hi\n\n"}],"end":"stall"}"#).await;
    let before = live_engines();
    let log = Rc::new(RefCell::new(Log::default()));
    let url = format!("{}/sse/web-leak", server());
    let (sink, options) = (sink(&log), options(&[]));
    let engines: Vec<Engine> = (0..1000)
        .map(|_| Engine::new(url.clone(), &options, sink.clone()))
        .collect();
    assert_eq!(live_engines(), before + 1000);
    // Some connect, some are still starting: close all in every state.
    sleep(50).await;
    for e in &engines {
        e.close();
    }
    drop(engines);
    for _ in 0..100 {
        if live_engines() == before {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(live_engines(), before);
}
