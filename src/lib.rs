//! # wasm-eventsource
//!
//! A Server-Sent Events client for the browser: the `text/event-stream`
//! parser and the reconnection engine are written in Rust, compiled to
//! WebAssembly, and driven over `fetch()` streaming. The JavaScript facade in
//! `pkg-template/` exposes an `EventSource` class that behaves like the
//! standard one ([HTML § 9.2](https://html.spec.whatwg.org/multipage/server-sent-events.html))
//! and adds custom headers, request bodies, backoff, inactivity timeouts and
//! descriptive error events.
//!
//! The crate is layered so that every rule of the standard is pure and
//! natively testable:
//!
//! - [`parser`]: a sans-IO stream parser (bytes in, events out).
//! - [`reconnect`]: the connection state machine (ready state, delays,
//!   backoff, `Last-Event-ID`), with time passed in as an argument.
//! - `browser` (wasm32 only): carries out the machine's actions with
//!   `fetch`, stream readers, `AbortController` and timers.
//! - `js_api` (wasm32 only): the `#[wasm_bindgen]` surface used by the
//!   JavaScript facade.
#![deny(missing_docs)]

pub mod parser;
pub mod reconnect;

#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
pub mod js_api;

pub use parser::{Batch, Event, EventParser, Feed, DEFAULT_MAX_BUFFER_SIZE};
pub use reconnect::{Action, Backoff, Config, ErrorInfo, ReadyState, Reason, ReconnectState};
