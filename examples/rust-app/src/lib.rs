//! A Rust/wasm front end streaming from the demo server through
//! wasm-eventsource's Rust API: a clock stream that reconnects with backoff,
//! and a chat answer POSTed with a bearer token, like an LLM API.

use std::time::Duration;

use futures_util::StreamExt;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_eventsource::{EventSource, ReadyState, SourceEvent};

#[wasm_bindgen(start)]
pub fn start() {
    wasm_bindgen_futures::spawn_local(clock());
    wasm_bindgen_futures::spawn_local(chat());
}

/// `GET /demo/clock`: one event a second, `tick` every fifth.
async fn clock() {
    let log = element("clock-log");
    let source = EventSource::builder("/demo/clock")
        .initial_delay(Duration::from_millis(500))
        .multiplier(2.0)
        .max_delay(Duration::from_secs(8))
        .jitter(0.5)
        .build();
    let mut source = match source {
        Ok(source) => source,
        Err(e) => return append(&log, &e.to_string()),
    };
    while let Some(event) = source.next().await {
        match event {
            SourceEvent::Open => append(&log, "open"),
            SourceEvent::Message(m) => append(
                &log,
                &format!("{} #{}: {}", m.event_type, m.last_event_id, m.data),
            ),
            SourceEvent::Error(e) => append(&log, &format!("error [{}]: {}", e.reason, e)),
        }
        show_state("clock-state", source.ready_state());
    }
    show_state("clock-state", source.ready_state());
}

/// The demo's token service: a promise, as an auth library's would be.
async fn access_token() -> Result<String, JsValue> {
    let token = JsFuture::from(js_sys::Promise::resolve(&JsValue::from_str("rust-demo"))).await?;
    token
        .as_string()
        .ok_or_else(|| "the token is not a string".into())
}

/// `POST /demo/chat` with a token and a JSON body: words, then `done`.
async fn chat() {
    let answer = element("chat-answer");
    let source = EventSource::builder("/demo/chat")
        .method("POST")
        .header("Content-Type", "application/json")
        // Asked before every attempt: a reconnection gets a fresh token.
        .headers_with_async(|| async {
            let token = access_token().await?;
            Ok([("Authorization", format!("Bearer {token}"))])
        })
        .body(r#"{"prompt":"This answer streamed from a POST through the Rust API."}"#)
        .max_attempts(3)
        .build();
    let mut source = match source {
        Ok(source) => source,
        Err(e) => return answer.set_text_content(Some(&e.to_string())),
    };
    let mut text = String::new();
    while let Some(event) = source.next().await {
        match event {
            SourceEvent::Message(m) if m.event_type == "done" => source.close(),
            SourceEvent::Message(m) => {
                if let Some(token) = token_of(&m.data) {
                    text.push_str(&token);
                    answer.set_text_content(Some(&text));
                }
            }
            SourceEvent::Error(e) => append(&element("chat-log"), &e.to_string()),
            SourceEvent::Open => {}
        }
    }
    show_state("chat-state", source.ready_state());
}

/// The `token` of `{"token":"word "}`.
fn token_of(data: &str) -> Option<String> {
    let value = js_sys::JSON::parse(data).ok()?;
    js_sys::Reflect::get(&value, &"token".into())
        .ok()?
        .as_string()
}

fn element(id: &str) -> web_sys::Element {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .unwrap_throw()
}

fn append(list: &web_sys::Element, text: &str) {
    let document = web_sys::window().unwrap_throw().document().unwrap_throw();
    let item = document.create_element("li").unwrap_throw();
    item.set_text_content(Some(text));
    list.prepend_with_node_1(&item).unwrap_throw();
}

fn show_state(id: &str, state: ReadyState) {
    let name = match state {
        ReadyState::Connecting => "CONNECTING",
        ReadyState::Open => "OPEN",
        ReadyState::Closed => "CLOSED",
    };
    let badge = element(id);
    badge.set_text_content(Some(name));
    let _ = badge.set_attribute("data-state", name);
}
