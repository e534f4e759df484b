#![cfg(not(target_arch = "wasm32"))]
//! The Rust API off wasm32, as the server side of a full-stack app (Leptos,
//! Dioxus) compiles it: every type exists and the same code compiles, and
//! opening a source says that it needs a browser on wasm32, instead of a
//! missing item at compile time. `tests/web.rs` runs the API in browsers.

use std::error::Error;
use std::rc::Rc;
use std::time::Duration;

use futures_util::stream::{FusedStream, Stream};
use wasm_eventsource::{
    Body, BuildError, Builder, Credentials, ErrorEvent, EventSource, Message, ReadyState, Reason,
    SetupError, SourceEvent, DEFAULT_QUEUE_CAPACITY,
};

/// Shared code of a full-stack app: it names the types and matches the
/// items, on every target.
fn describe(event: &SourceEvent) -> String {
    match event {
        SourceEvent::Open => "open".into(),
        SourceEvent::Message(Message {
            event_type, data, ..
        }) => format!("{event_type}: {data}"),
        SourceEvent::Error(ErrorEvent {
            reason: Reason::Setup,
            ..
        }) => "no token".into(),
        SourceEvent::Error(e) => e.message.clone(),
    }
}

/// A builder with every kind of option, from owned and borrowed strings.
fn configured(url: String) -> Builder {
    let token = String::from("t0k3n");
    EventSource::builder(url)
        .method(String::from("POST"))
        .header("Content-Type", String::from("application/json"))
        .headers_with_async(move || {
            let token = token.clone();
            async move { Ok([("Authorization", format!("Bearer {token}"))]) }
        })
        .body(r#"{"prompt":"hi"}"#)
        .credentials(Credentials::Include)
        .last_event_id(String::from("7"))
        .last_event_id_query_param("since")
        .initial_delay(Duration::from_millis(500))
        .max_attempts(0)
        .queue_capacity(DEFAULT_QUEUE_CAPACITY)
}

#[test]
fn opening_a_source_off_wasm32_is_an_error_that_says_why() {
    assert_eq!(
        EventSource::new("https://example.test/events").unwrap_err(),
        BuildError::UnsupportedTarget
    );
    let error = configured(String::from("/events")).build().unwrap_err();
    assert_eq!(error, BuildError::UnsupportedTarget);
    let message = error.to_string();
    for words in ["wasm32", "browser", std::env::consts::ARCH] {
        assert!(message.contains(words), "{message:?} lacks {words:?}");
    }
    let error: Box<dyn Error> = Box::new(error);
    assert_eq!(error.to_string(), message);
}

#[test]
fn the_types_and_their_items_exist_off_wasm32() {
    fn stream<S: Stream<Item = SourceEvent> + FusedStream>() {}
    stream::<EventSource>();
    let items = [
        SourceEvent::Open,
        SourceEvent::Message(Message {
            event_type: "message".into(),
            data: "hello".into(),
            last_event_id: String::new(),
            origin: Rc::from("https://example.test"),
        }),
        SourceEvent::Error(ErrorEvent {
            reason: Reason::Setup,
            status: None,
            will_retry: true,
            retry_delay: Some(Duration::from_secs(3)),
            attempt: 1,
            gave_up: false,
            message: String::new(),
        }),
    ];
    let described: Vec<String> = items.iter().map(describe).collect();
    assert_eq!(described, ["open", "message: hello", "no token"]);
    assert_eq!(Body::from(&b"ab"[..]), Body::from(b"ab"));
    assert_eq!(Body::from("text"), Body::Text("text".into()));
    assert_ne!(ReadyState::Open, ReadyState::Closed);
}

/// What `?` and [`SetupError::new`] make of what a closure may fail with,
/// off wasm32 (the `JsValue` conversions are in `tests/web.rs`).
#[test]
fn setup_errors_keep_the_message_of_what_failed() {
    assert_eq!(
        SetupError::from("token service down").message(),
        "token service down"
    );
    assert_eq!(SetupError::from(String::from("owned")).to_string(), "owned");
    let parse = "x".parse::<u32>().unwrap_err();
    assert_eq!(SetupError::new(&parse).message(), parse.to_string());
    let boxed: Box<dyn Error> = parse.clone().into();
    assert_eq!(SetupError::from(boxed).message(), parse.to_string());
    let sendable: Box<dyn Error + Send + Sync> = parse.clone().into();
    assert_eq!(SetupError::from(sendable).message(), parse.to_string());

    // `?` in a closure's body, as `headers_with_async` takes it.
    fn fallible(fail: bool) -> Result<u32, Box<dyn Error + Send + Sync>> {
        if fail {
            Err("no token yet".into())
        } else {
            Ok(1)
        }
    }
    let compute = |fail: bool| -> Result<[(&str, String); 1], SetupError> {
        let n = fallible(fail)?;
        let parsed: u32 = "2".parse().map_err(SetupError::new)?;
        Ok([("X-N", (n + parsed).to_string())])
    };
    assert_eq!(compute(false).unwrap()[0].1, "3");
    assert_eq!(compute(true).unwrap_err().message(), "no token yet");
}
