//! What an `error` event reports: [`ErrorEvent`], built by the machine from
//! what happened and handed to every front end, so the JavaScript class and
//! the Rust API report the same fields and the same sentence.
//!
//! The standard's `error` event carries nothing
//! ([HTML § 9.2.3](https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model));
//! these fields are wasm-eventsource's extension. In JavaScript they are
//! properties of the `error` event (`reason`, `status`, `willRetry`,
//! `retryDelay`, `attempt`, `gaveUp`, `message`).
//!
//! The sentences are put together by hand, with `itoa` for the numbers:
//! this module is part of the npm package's WebAssembly, where `format!`
//! would bring in `core::fmt` (about 4 KB).

use core::fmt;
use core::time::Duration;

use alloc::string::String;

use crate::options;
use crate::reconnect::Reason;

/// An `error` event: why the connection failed or dropped, and what the
/// source does next.
///
/// Its [`Display`](fmt::Display) form is [`message`](ErrorEvent::message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEvent {
    /// What happened.
    pub reason: Reason,
    /// The HTTP status, when there was a response.
    pub status: Option<u16>,
    /// Whether the source will reconnect (its ready state is then
    /// `Connecting`); when `false` it is `Closed` for good.
    pub will_retry: bool,
    /// How long until the next attempt, when `will_retry`.
    pub retry_delay: Option<Duration>,
    /// Reconnection attempts made in a row without receiving an event,
    /// counting the one now scheduled.
    pub attempt: u32,
    /// The source would have reconnected, but `max_attempts` ran out.
    pub gave_up: bool,
    /// What happened and what happens next, in one sentence, e.g.
    /// `HTTP status 503 is not 200; reconnecting in 2000 ms (attempt 2)`.
    /// Options are named as in the JavaScript API (`maxBufferSize`).
    pub message: String,
}

/// What the machine knows when it fires an `error` event; [`ErrorEvent::new`]
/// words it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorInfo {
    /// What happened.
    pub reason: Reason,
    /// The HTTP status, when there was a response.
    pub status: Option<u16>,
    /// Milliseconds until the next attempt; `None` when the source is closed.
    pub retry_delay: Option<u64>,
    /// Reconnection attempts made in a row without receiving data,
    /// including the one now scheduled.
    pub attempt: u32,
    /// The source would have reconnected but `max_attempts` ran out.
    pub gave_up: bool,
    /// The source reads a stream the page supplied (no reconnection), so
    /// its end is "the stream ended", not "the server ended the stream".
    pub supplied: bool,
}

/// A sentence under construction.
struct Sentence(String);

impl Sentence {
    fn text(mut self, text: &str) -> Self {
        self.0.push_str(text);
        self
    }

    fn number(self, n: u64) -> Self {
        self.text(itoa::Buffer::new().format(n))
    }
}

impl ErrorEvent {
    /// The event for `info`. `detail` is the content type for
    /// [`Reason::ContentType`], otherwise the message of the exception that
    /// caused it (empty if none). `max_buffer_size` and
    /// `inactivity_timeout` are the limits the overflow and inactivity
    /// sentences name.
    pub fn new(
        info: &ErrorInfo,
        detail: &str,
        max_buffer_size: usize,
        inactivity_timeout: Option<f64>,
    ) -> ErrorEvent {
        let s = Sentence(String::new());
        let s = match info.reason {
            Reason::Status => {
                let s = s.text("HTTP status ");
                match info.status {
                    Some(status) => s.number(u64::from(status)),
                    None => s.text("?"),
                }
                .text(" is not 200")
            }
            Reason::ContentType => s
                .text("response Content-Type \"")
                .text(detail)
                .text("\" is not text/event-stream"),
            Reason::Overflow => s
                .text("an event exceeded ")
                .text(options::MAX_BUFFER_SIZE.js)
                .text(" (")
                .number(max_buffer_size as u64)
                .text(" bytes)"),
            // Whole numbers: formatting an f64 would cost the module 14 KB.
            Reason::Inactivity => s
                .text("nothing received within ")
                .text(options::INACTIVITY_TIMEOUT.js)
                .text(" (")
                .number(inactivity_timeout.unwrap_or(0.0).max(0.0).round_ms())
                .text(" ms)"),
            reason => {
                let s = s.text(match reason {
                    Reason::Network => "network error",
                    Reason::BodyError if info.supplied => "the stream errored",
                    Reason::BodyError => "the stream broke off",
                    Reason::BodyEnded if info.supplied => "the stream ended",
                    Reason::BodyEnded => "the server ended the stream",
                    Reason::Scheme => "the URL's scheme cannot be fetched",
                    Reason::Cors => {
                        "CORS refused the request (the server answered, but does not allow \
                         this origin, or rejected the preflight)"
                    }
                    Reason::Aborted => "the page stopped the request (window.stop())",
                    _ => "preparing the request failed",
                });
                if detail.is_empty() {
                    s
                } else {
                    s.text(": ").text(detail)
                }
            }
        };
        let s = match info.retry_delay {
            Some(ms) => s
                .text("; reconnecting in ")
                .number(ms)
                .text(" ms (attempt ")
                .number(u64::from(info.attempt))
                .text(")"),
            None if info.gave_up => s
                .text("; gave up after ")
                .number(u64::from(info.attempt))
                .text(" reconnection attempts (")
                .text(options::MAX_ATTEMPTS.js)
                .text(")"),
            None => s,
        };
        ErrorEvent {
            reason: info.reason,
            status: info.status,
            will_retry: info.retry_delay.is_some(),
            retry_delay: info.retry_delay.map(Duration::from_millis),
            attempt: info.attempt,
            gave_up: info.gave_up,
            message: s.0,
        }
    }

    /// [`retry_delay`](ErrorEvent::retry_delay) in whole milliseconds.
    pub fn retry_delay_ms(&self) -> Option<u64> {
        self.retry_delay
            .map(|d| d.as_secs() * 1000 + u64::from(d.subsec_millis()))
    }
}

/// Whole milliseconds of a duration in ms, rounded (no `f64::round` in
/// `core`).
trait RoundMs {
    fn round_ms(self) -> u64;
}

impl RoundMs for f64 {
    fn round_ms(self) -> u64 {
        (self + 0.5) as u64
    }
}

/// What exceeding the buffer limit of `max` bytes is called, wherever the
/// parser runs (a source's error event, the stream parser's error).
pub fn overflow_message(max: usize) -> String {
    ErrorEvent::new(
        &ErrorInfo {
            reason: Reason::Overflow,
            status: None,
            retry_delay: None,
            attempt: 0,
            gave_up: false,
            supplied: false,
        },
        "",
        max,
        None,
    )
    .message
}

impl fmt::Display for ErrorEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl core::error::Error for ErrorEvent {}
