//! # wasm-eventsource
//!
//! A Server-Sent Events client for the browser: the `text/event-stream`
//! parser and the reconnection engine are written in Rust, compiled to
//! WebAssembly, and driven over `fetch()` streaming. It behaves like the
//! standard `EventSource`
//! ([HTML § 9.2](https://html.spec.whatwg.org/multipage/server-sent-events.html))
//! and adds custom headers, request bodies, backoff, inactivity timeouts and
//! descriptive error events.
//!
//! The crate is one protocol core with thin drivers around it:
//!
//! - The core, pure Rust with no I/O, no clock and no randomness of its own
//!   (`no_std` + `alloc` without the default `rust-api` feature):
//!   [`parser`] (bytes in, events out), [`reconnect`] (the connection's
//!   state machine: inputs in, one [`Action`] out), [`http`] (what a
//!   response means, origins, `Retry-After`, header encoding), [`options`]
//!   (every option's rule, from `src/rules.json`) and [`ErrorEvent`]
//!   (what an error reports, worded once).
//! - The npm package's WebAssembly module: that core alone, behind a small
//!   byte-oriented interface (`src/module.rs`, feature `module`). The
//!   package's JavaScript driver does the I/O.
//! - The Rust API (feature `rust-api`, on by default; wasm32): `EventSource`,
//!   a `futures_core::Stream` of `SourceEvent`s, on its own thin driver
//!   (web-sys, gloo-timers).
//!
//! ## The Rust API
//!
//! On `wasm32`, `EventSource` is the standard `EventSource` as a stream,
//! with every extension of the JavaScript class (headers recomputed per
//! attempt, any method and body, backoff with jitter, inactivity timeout,
//! buffer limit) on `Builder`:
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
//! - `rust-api` (default): the Rust API and its driver (wasm32 only). Without
//!   it the crate is `no_std`: the core alone.
//! - `module`: the npm package's WebAssembly exports (build with
//!   `--no-default-features --features module --crate-type cdylib`, as
//!   `make build` does). Not for apps.
#![cfg_attr(not(feature = "rust-api"), no_std)]
#![deny(missing_docs)]

#[cfg(all(feature = "module", feature = "rust-api"))]
compile_error!(
    "the `module` feature builds the npm package's WebAssembly: use it with --no-default-features"
);

extern crate alloc;

pub mod error;
pub mod http;
pub mod options;
pub mod parser;
pub mod reconnect;

#[cfg(all(feature = "module", target_arch = "wasm32"))]
mod module;

#[cfg(all(target_arch = "wasm32", feature = "rust-api"))]
mod browser;
#[cfg(feature = "rust-api")]
mod event_source;

pub use error::{ErrorEvent, ErrorInfo, Failure};
pub use http::Credentials;
pub use parser::{Batch, Event, EventParser, Feed, DEFAULT_MAX_BUFFER_SIZE};
pub use reconnect::{Action, Backoff, Config, Platform, ReadyState, Reason, ReconnectState};

#[cfg(all(target_arch = "wasm32", feature = "rust-api"))]
pub use browser::live_engines;

/// The README's Rust snippets, compiled by `make test-doc` (for wasm32) and
/// by `cargo test` (natively: the Rust API compiles on every target).
#[cfg(all(doctest, feature = "rust-api"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
#[cfg(feature = "rust-api")]
pub use event_source::{
    Body, BuildError, Builder, EventSource, Message, SetupError, SourceEvent,
    DEFAULT_QUEUE_CAPACITY,
};
