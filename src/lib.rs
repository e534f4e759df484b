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
//!
//! ## Features
//!
//! - `std` (default): link Rust's standard library. Turn it off
//!   (`--no-default-features`) for a standalone wasm32 module: the crate is
//!   then `no_std` and brings its own allocator and a panic handler that
//!   traps, which keeps std's panic and formatting machinery (tens of KB)
//!   out of the module. The npm package is built that way. Native builds
//!   always use std.
#![deny(missing_docs)]
#![cfg_attr(all(target_arch = "wasm32", not(feature = "std")), no_std)]

extern crate alloc;

pub mod parser;
pub mod reconnect;

#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
pub mod js_api;

#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
mod runtime {
    //! What std would otherwise provide to a standalone wasm32 module.

    #[global_allocator]
    static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

    /// Nothing on the network or from JavaScript panics (see HOUSE_STYLE):
    /// a panic is a bug, and trapping reports it as a `RuntimeError` in JS.
    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
        core::arch::wasm32::unreachable()
    }
}

pub use parser::{Batch, Event, EventParser, Feed, DEFAULT_MAX_BUFFER_SIZE};
pub use reconnect::{Action, Backoff, Config, ErrorInfo, ReadyState, Reason, ReconnectState};
