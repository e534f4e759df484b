//! The JavaScript front end's contract (`js_api`, feature `js-api`) in a
//! headless browser: what the facade receives from the engine. Run with
//! `wasm-pack test --headless --chrome --features js-api -- --test js_api`
//! (`make test-wasm` does).
#![cfg(all(target_arch = "wasm32", feature = "js-api"))]

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use wasm_eventsource::js_api::{live_engines, Engine, Options, Sink};

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{script, server};

/// What the engine told its sink, in order.
type Log = Rc<RefCell<Vec<String>>>;

fn sink(log: &Log) -> Sink {
    let obj = Object::new();
    let l = log.clone();
    let open = Closure::<dyn FnMut(String)>::new(move |origin: String| {
        l.borrow_mut().push(format!("open {origin}"));
    });
    let l = log.clone();
    let events = Closure::<dyn FnMut(String)>::new(move |packed: String| {
        l.borrow_mut().push(format!("events {packed:?}"));
    });
    let l = log.clone();
    let error = Closure::<dyn FnMut(JsValue)>::new(move |details: JsValue| {
        let json = js_sys::JSON::stringify(&details).unwrap();
        l.borrow_mut().push(format!("error {json}"));
    });
    Reflect::set(&obj, &"open".into(), open.as_ref()).unwrap();
    Reflect::set(&obj, &"events".into(), events.as_ref()).unwrap();
    Reflect::set(&obj, &"error".into(), error.as_ref()).unwrap();
    // The closures live as long as the test page.
    open.forget();
    events.forget();
    error.forget();
    obj.unchecked_into()
}

/// The facade's snapshot of an init dictionary: only what the user gave.
fn options(json: &str) -> Options {
    js_sys::JSON::parse(json).unwrap().unchecked_into()
}

async fn wait_for(log: &Log, pred: impl Fn(&[String]) -> bool) {
    for _ in 0..200 {
        if pred(&log.borrow()) {
            return;
        }
        TimeoutFuture::new(25).await;
    }
    panic!("timed out; calls so far: {:?}", log.borrow());
}

#[wasm_bindgen_test]
async fn all_events_of_a_chunk_cross_in_one_call() {
    script(
        "js-batch",
        r#"{"body":[{"data":"id: 7\ndata: a\n\nevent: x\ndata: b\n\ndata: c\n\n"}],"end":"stall"}"#,
    )
    .await;
    let log = Log::default();
    let engine = Engine::new(
        format!("{}/sse/js-batch", server()),
        &options("{}"),
        sink(&log),
    );
    wait_for(&log, |c| c.iter().any(|s| s.starts_with("events"))).await;
    TimeoutFuture::new(100).await;
    assert_eq!(
        *log.borrow(),
        [
            format!("open {}", server()),
            r#"events "a\rmessage\r7\rb\rx\r7\rc\rmessage\r7\r""#.to_string(),
        ]
    );
    engine.close();
}

#[wasm_bindgen_test]
async fn an_error_crosses_as_one_object_with_the_engine_defaults() {
    // No option given: the engine's defaults apply (3000 ms, the standard's).
    script(
        "js-ended",
        r#"{"body":[{"data":"data: a\n\n"}],"end":"close"}"#,
    )
    .await;
    let log = Log::default();
    let engine = Engine::new(
        format!("{}/sse/js-ended", server()),
        &options("{}"),
        sink(&log),
    );
    wait_for(&log, |c| c.iter().any(|s| s.starts_with("error"))).await;
    assert_eq!(
        log.borrow().last().unwrap(),
        r#"error {"reason":"body-ended","status":200,"willRetry":true,"retryDelay":3000,"attempt":1,"message":"the server ended the stream; reconnecting in 3000 ms (attempt 1)"}"#
    );
    drop(engine);

    script("js-404", r#"{"status":404}"#).await;
    let log = Log::default();
    let engine = Engine::new(
        format!("{}/sse/js-404", server()),
        &options(r#"{"initialDelay": 10}"#),
        sink(&log),
    );
    wait_for(&log, |c| !c.is_empty()).await;
    assert_eq!(
        *log.borrow(),
        [
            r#"error {"reason":"status","status":404,"willRetry":false,"attempt":0,"message":"HTTP status 404 is not 200"}"#
        ]
    );
    drop(engine);
}

#[wasm_bindgen_test]
async fn freed_engines_leave_nothing_behind() {
    script("js-leak", r#"{"body":[{"data":":hi\n\n"}],"end":"stall"}"#).await;
    let before = live_engines();
    let log = Log::default();
    let url = format!("{}/sse/js-leak", server());
    let (sink, options) = (sink(&log), options("{}"));
    let engines: Vec<Engine> = (0..1000)
        .map(|_| Engine::new(url.clone(), &options, sink.clone()))
        .collect();
    assert_eq!(live_engines(), before + 1000);
    TimeoutFuture::new(50).await;
    drop(engines);
    for _ in 0..100 {
        if live_engines() == before {
            break;
        }
        TimeoutFuture::new(20).await;
    }
    assert_eq!(live_engines(), before);
}
