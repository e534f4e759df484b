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
//! The sentences are put together by hand: this module is part of the npm
//! package's WebAssembly, where `format!` would bring in `core::fmt` (about
//! 4 KB).

use core::fmt;
use core::time::Duration;

use alloc::string::String;

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
        // What happened: words, a number, words; then the detail.
        let (head, number, tail) = match info.reason {
            Reason::Status => ("HTTP status ", info.status.map(u64::from), " is not 200"),
            Reason::ContentType => ("response Content-Type \"", None, ""),
            Reason::Overflow => (
                "an event exceeded maxBufferSize (",
                Some(max_buffer_size as u64),
                " bytes)",
            ),
            // Whole numbers: formatting an f64 would cost the module 14 KB.
            Reason::Inactivity => (
                "nothing received within inactivityTimeout (",
                Some((inactivity_timeout.unwrap_or(0.0).max(0.0) + 0.5) as u64),
                " ms)",
            ),
            Reason::Network => ("network error", None, ""),
            Reason::BodyError if info.supplied => ("the stream errored", None, ""),
            Reason::BodyError => ("the stream broke off", None, ""),
            Reason::BodyEnded if info.supplied => ("the stream ended", None, ""),
            Reason::BodyEnded => ("the server ended the stream", None, ""),
            Reason::Scheme => ("the URL's scheme cannot be fetched", None, ""),
            Reason::Setup => ("preparing the request failed", None, ""),
            Reason::Cors => (
                "CORS refused the request (the server answered, but does not allow this \
                 origin, or rejected the preflight)",
                None,
                "",
            ),
            Reason::Aborted => ("the page stopped the request (window.stop())", None, ""),
        };
        let mut message = String::from(head);
        match (info.reason, number) {
            (_, Some(n)) => push_number(&mut message, n),
            (Reason::Status, None) => message.push('?'),
            _ => {}
        }
        message.push_str(tail);
        if info.reason == Reason::ContentType {
            message.push_str(detail);
            message.push_str("\" is not text/event-stream");
        } else if !detail.is_empty() {
            message.push_str(": ");
            message.push_str(detail);
        }
        // What happens next.
        if let Some(ms) = info.retry_delay {
            message.push_str("; reconnecting in ");
            push_number(&mut message, ms);
            message.push_str(" ms (attempt ");
            push_number(&mut message, u64::from(info.attempt));
            message.push(')');
        } else if info.gave_up {
            message.push_str("; gave up after ");
            push_number(&mut message, u64::from(info.attempt));
            message.push_str(" reconnection attempts (retry.maxAttempts)");
        }
        ErrorEvent {
            reason: info.reason,
            status: info.status,
            will_retry: info.retry_delay.is_some(),
            retry_delay: info.retry_delay.map(Duration::from_millis),
            attempt: info.attempt,
            gave_up: info.gave_up,
            message,
        }
    }

    /// [`retry_delay`](ErrorEvent::retry_delay) in whole milliseconds.
    pub fn retry_delay_ms(&self) -> Option<u64> {
        self.retry_delay
            .map(|d| d.as_secs() * 1000 + u64::from(d.subsec_millis()))
    }
}

/// Appends `n` in decimal.
fn push_number(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
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
