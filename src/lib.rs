//! # wasm-eventsource
//!
//! An [`EventSource`] for Rust/wasm front ends (Yew, Leptos, Dioxus, plain
//! `wasm-bindgen`): Server-Sent Events as a
//! [`Stream`](futures_core::Stream) of [`SourceEvent`]s. With no options it
//! is the standard `EventSource`
//! ([HTML § 9.2](https://html.spec.whatwg.org/multipage/server-sent-events.html)),
//! on the same protocol core (the stream parser and the reconnection
//! machine) as the `wasm-eventsource` npm package, which is checked event
//! for event against the native `EventSource` of Chromium, Firefox and
//! WebKit. Where `gloo-net`'s `EventSource` wraps the browser's own (a `GET`
//! with no headers of the app's), this one runs over `fetch()` streaming and
//! adds request headers recomputed before every attempt (a refreshed
//! token), `POST` or any method with a body (LLM-style streaming APIs),
//! backoff with jitter and a cap on attempts, retrying chosen statuses with
//! `Retry-After`, an inactivity timeout, a bounded queue that stops reading
//! when the consumer falls behind, and errors that say what happened and
//! what comes next ([`ErrorEvent`]).
//!
//! ## Follow a stream (`GET`)
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use wasm_bindgen::prelude::*;
//! use wasm_eventsource::{EventSource, SourceEvent};
//!
//! #[wasm_bindgen]
//! pub async fn follow(url: String) -> Result<(), JsValue> {
//!     // A bad URL is a `BuildError`, which `?` turns into a JavaScript
//!     // `SyntaxError` (a bad option: a `TypeError`), as the JS class throws.
//!     let mut source = EventSource::new(url)?;
//!     while let Some(event) = source.next().await {
//!         match event {
//!             SourceEvent::Open => {}
//!             SourceEvent::Message(m) => web_sys::console::log_1(&m.data.into()),
//!             // The source reconnects by itself; `e` says why and when.
//!             SourceEvent::Error(e) if e.will_retry => {}
//!             // Failed for good: the stream ends after this item.
//!             SourceEvent::Error(e) => return Err(JsError::new(&e.message).into()),
//!         }
//!     }
//!     Ok(())
//! }
//! # fn main() {}
//! ```
//!
//! ## Stream an answer (`POST`)
//!
//! An LLM-style API: a JSON body, a bearer token from the app's own async
//! code (asked again before every attempt, so a reconnection gets a fresh
//! one), and the answer streamed back in pieces.
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use wasm_bindgen::prelude::*;
//! use wasm_eventsource::{EventSource, Reason, SourceEvent};
//!
//! #[wasm_bindgen]
//! extern "C" {
//!     /// The app's auth code: a promise of a fresh access token.
//!     #[wasm_bindgen(js_name = getAccessToken)]
//!     fn get_access_token() -> js_sys::Promise;
//! }
//!
//! async fn access_token() -> Result<String, JsValue> {
//!     let token = wasm_bindgen_futures::JsFuture::from(get_access_token()).await?;
//!     token.as_string().ok_or_else(|| "the token is not a string".into())
//! }
//!
//! pub async fn ask(prompt: &str) -> Result<String, JsValue> {
//!     let body = serde_json::json!({
//!         "model": "some-model",
//!         "stream": true,
//!         "messages": [{ "role": "user", "content": prompt }],
//!     });
//!     let mut source = EventSource::builder("/v1/chat/completions")
//!         .method("POST")
//!         .header("Content-Type", "application/json")
//!         .headers_with_async(|| async {
//!             // `?` on a `JsValue` error; a failure is an error event
//!             // (`Reason::Setup`) and the source tries again later.
//!             let token = access_token().await?;
//!             Ok([("Authorization", format!("Bearer {token}"))])
//!         })
//!         .body(body.to_string())
//!         // A POST closes when its answer ends (StreamEnd::Close); a broken
//!         // connection fails at once instead of sending the prompt again.
//!         .max_attempts(0)
//!         .build()?;
//!     let mut answer = String::new();
//!     while let Some(event) = source.next().await {
//!         match event {
//!             SourceEvent::Open => {}
//!             SourceEvent::Message(m) if m.data == "[DONE]" => break,
//!             SourceEvent::Message(m) => {
//!                 let chunk: serde_json::Value =
//!                     serde_json::from_str(&m.data).map_err(|e| JsError::new(&e.to_string()))?;
//!                 answer += chunk["choices"][0]["delta"]["content"].as_str().unwrap_or("");
//!             }
//!             // The server ended the response: the answer is complete (the
//!             // source is closed, and the stream of items ends after this).
//!             SourceEvent::Error(e) if e.reason == Reason::BodyEnded => break,
//!             SourceEvent::Error(e) => return Err(JsError::new(&e.message).into()),
//!         }
//!     }
//!     // Dropping the source closes it.
//!     Ok(answer)
//! }
//! # fn main() {}
//! ```
//!
//! ## Errors
//!
//! - [`Builder::build`] refuses a bad URL or option with a [`BuildError`]
//!   naming the builder method. It converts into a
//!   [`JsValue`](wasm_bindgen::JsValue), what the JavaScript class throws
//!   for the same input (a `SyntaxError` `DOMException` for the URL, a
//!   `TypeError` for an option), so `?` works in a `#[wasm_bindgen]`
//!   function.
//! - Everything that goes wrong once a source is open is an item of the
//!   stream, [`SourceEvent::Error`]: an [`ErrorEvent`] whose [`Reason`]
//!   says what happened and whose `will_retry` what the source does next.
//!   Nothing panics on what comes from the network.
//! - The closures of [`Builder::headers_with_async`] and
//!   [`Builder::body_with_async`] fail with a [`SetupError`], which `?`
//!   makes from a `JsValue`, a `js_sys::Error`, a `String` or a boxed
//!   error, and [`SetupError::new`] from anything that displays.
//!
//! ## Every target compiles; a source opens on wasm32
//!
//! The Rust API's types exist on every target, so the server side of a
//! full-stack app (Leptos, Dioxus) compiles without a `cfg` gate around each
//! use. Off wasm32, opening a source returns
//! [`BuildError::UnsupportedTarget`]: open sources in code that runs in the
//! browser (an effect, an event handler). Test your code the way this crate
//! tests its own, in a real browser: `wasm-pack test --headless --chrome`.
//!
//! ## The protocol core: bring your own I/O
//!
//! The protocol's rules are pure Rust with no I/O, no clock and no
//! randomness of their own, and build on any target (`no_std` + `alloc`
//! without the default feature):
//!
//! - [`parser`]: `text/event-stream` bytes in, events out
//!   ([`parser::EventParser`]).
//! - [`reconnect`]: the connection's state machine
//!   ([`reconnect::ReconnectState`]): inputs in (a response, body bytes, its
//!   end, an error, the timer, `close()`), with time passed in, and one
//!   [`reconnect::Action`] out for a driver to carry out (fetch with these
//!   headers, wait N ms, fail with this [`ErrorEvent`]).
//!
//! The npm package's JavaScript driver and this crate's browser driver are
//! two such drivers.
//!
//! ## Features
//!
//! - `rust-api` (default): the Rust API. Without it the crate is `no_std`:
//!   the protocol core alone.
//! - `module`: the npm package's WebAssembly exports (built with
//!   `--no-default-features --features module --crate-type cdylib`). Not
//!   for apps.
#![cfg_attr(not(feature = "rust-api"), no_std)]
#![deny(missing_docs)]
// Without the Rust API the docs above link to items that are not built; the
// default build (`make doc`) checks every link.
#![cfg_attr(not(feature = "rust-api"), allow(rustdoc::broken_intra_doc_links))]

#[cfg(all(feature = "module", feature = "rust-api"))]
compile_error!(
    "the `module` feature builds the npm package's WebAssembly: use it with --no-default-features"
);

extern crate alloc;

mod error;
pub mod parser;
pub mod reconnect;

// Not part of the API (not covered by semver): the rules the machine
// applies, public for this crate's own tests.
#[doc(hidden)]
pub mod http;
#[doc(hidden)]
pub mod options;

#[cfg(all(feature = "module", target_arch = "wasm32"))]
mod module;

#[cfg(all(target_arch = "wasm32", feature = "rust-api"))]
mod browser;
#[cfg(feature = "rust-api")]
mod event_source;

pub use error::{ErrorEvent, Reason};
pub use http::Credentials;
#[doc(inline)]
pub use reconnect::ReadyState;

#[cfg(feature = "rust-api")]
pub use event_source::{
    Body, BuildError, Builder, EventSource, Message, Redirect, SetupError, SourceEvent, StreamEnd,
    DEFAULT_QUEUE_CAPACITY,
};

/// How many sources' engine states exist right now, closed or not: a
/// closed source whose state outlives it is a leak. For this crate's own
/// tests; not covered by semver.
#[cfg(all(target_arch = "wasm32", feature = "rust-api"))]
#[doc(hidden)]
pub use browser::live_engines;

/// The README's Rust snippets, compiled by `make test-doc` (for wasm32) and
/// by `cargo test` (natively: the Rust API compiles on every target).
#[cfg(all(doctest, feature = "rust-api"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
