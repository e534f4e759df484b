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
//! - [`ErrorEvent`]: what an error reports, worded once for every front end.
//! - `browser` (wasm32 only): the engine. It carries out the machine's
//!   actions with `fetch`, stream readers, `AbortController` and timers.
//! - Two front ends on that one engine (wasm32 only): [`EventSource`], the
//!   Rust API, and `js_api`, the `#[wasm_bindgen]` surface of the
//!   JavaScript class (feature `js-api`).
//!
//! ## The Rust API
//!
//! On `wasm32`, [`EventSource`] is the standard `EventSource` as a
//! [`futures_core::Stream`] of [`SourceEvent`]s, with every extension of the
//! JavaScript class (headers recomputed per attempt, any method and body,
//! backoff with jitter, inactivity timeout, buffer limit) on [`Builder`]:
//!
//! ```no_run
//! # #[cfg(target_arch = "wasm32")]
//! # async fn run() -> Result<(), wasm_eventsource::BuildError> {
//! use futures_util::StreamExt;
//! use wasm_eventsource::{EventSource, SourceEvent};
//!
//! let mut source = EventSource::builder("/demo/clock")
//!     .headers_with(|| [("X-Token", "secret")])
//!     .build()?;
//! while let Some(event) = source.next().await {
//!     if let SourceEvent::Message(message) = event {
//!         if message.event_type == "tick" {
//!             source.close();
//!         }
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Dropping a source closes it. Test code the way this crate tests itself:
//! `wasm-pack test --headless --chrome`.
//!
//! ## Features
//!
//! - `js-api`: build the `#[wasm_bindgen]` exports that the npm package's
//!   JavaScript facade uses. Off by default, so a Rust app's own JavaScript
//!   glue does not carry them.
#![deny(missing_docs)]

extern crate alloc;

pub mod error;
pub mod parser;
pub mod reconnect;

#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
mod event_source;
#[cfg(all(target_arch = "wasm32", feature = "js-api"))]
pub mod js_api;

pub use error::ErrorEvent;
pub use parser::{Batch, Event, EventParser, Feed, DEFAULT_MAX_BUFFER_SIZE};
pub use reconnect::{Action, Backoff, Config, ErrorInfo, ReadyState, Reason, ReconnectState};

#[cfg(target_arch = "wasm32")]
pub use browser::live_engines;

/// The README's Rust snippets, compiled by `make test-doc` (for wasm32,
/// where the Rust API exists).
#[cfg(all(doctest, target_arch = "wasm32"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
#[cfg(target_arch = "wasm32")]
pub use event_source::{
    Body, BuildError, Builder, Credentials, EventSource, Message, SourceEvent,
    DEFAULT_QUEUE_CAPACITY,
};

/// The npm build's allocator: the `dlmalloc` crate's, which compiles
/// smaller than std's copy of the same allocator.
#[cfg(all(target_arch = "wasm32", feature = "js-api"))]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;
