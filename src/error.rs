//! What an `error` event reports: [`ErrorEvent`], built once by the engine
//! from the machine's [`ErrorInfo`] and handed to every front end, so the
//! JavaScript class and the Rust API report the same fields and the same
//! sentence.
//!
//! The standard's `error` event carries nothing
//! ([HTML § 9.2.3](https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model));
//! these fields are wasm-eventsource's extension. In JavaScript they are
//! properties of the `error` event (`reason`, `status`, `willRetry`,
//! `retryDelay`, `attempt`, `message`).

use core::fmt;
use core::time::Duration;

use alloc::format;
use alloc::string::{String, ToString};

use crate::reconnect::{Config, ErrorInfo, Reason};

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

impl ErrorEvent {
    /// The event for `info`. `detail` is the content type for
    /// [`Reason::ContentType`], otherwise the message of the exception that
    /// caused it (empty if none); `config` supplies the limits it names.
    pub fn new(info: &ErrorInfo, detail: &str, config: &Config) -> ErrorEvent {
        let delay_ms = info.retry_delay.max(0.0).round() as u64;
        let retry_delay = info.will_retry.then(|| Duration::from_millis(delay_ms));
        let mut message = match info.reason {
            Reason::Status => format!(
                "HTTP status {} is not 200",
                info.status
                    .map_or_else(|| "?".to_string(), |s| s.to_string())
            ),
            Reason::ContentType => {
                format!("response Content-Type \"{detail}\" is not text/event-stream")
            }
            Reason::Overflow => overflow_message(config.max_buffer_size),
            // Whole numbers: formatting an f64 would cost the module 14 KB.
            Reason::Inactivity => format!(
                "nothing received within inactivityTimeout ({} ms)",
                config.inactivity_timeout.unwrap_or(0.0).round() as u64
            ),
            reason => {
                let what = match reason {
                    Reason::Network => "network error",
                    Reason::BodyError if !config.reconnect => "the stream errored",
                    Reason::BodyError => "the stream broke off",
                    Reason::BodyEnded if !config.reconnect => "the stream ended",
                    Reason::BodyEnded => "the server ended the stream",
                    Reason::Scheme => "the URL's scheme cannot be fetched",
                    Reason::Cors => {
                        "CORS refused the request (the server answered, but does not allow \
                         this origin, or rejected the preflight)"
                    }
                    Reason::Aborted => "the page stopped the request (window.stop())",
                    _ => "preparing the request failed",
                };
                if detail.is_empty() {
                    what.to_string()
                } else {
                    format!("{what}: {detail}")
                }
            }
        };
        if info.will_retry {
            message += &format!("; reconnecting in {delay_ms} ms (attempt {})", info.attempt);
        } else if info.gave_up {
            message += &format!(
                "; gave up after {} reconnection attempts (retry.maxAttempts)",
                info.attempt
            );
        }
        ErrorEvent {
            reason: info.reason,
            status: info.status,
            will_retry: info.will_retry,
            retry_delay,
            attempt: info.attempt,
            gave_up: info.gave_up,
            message,
        }
    }
}

/// What exceeding the buffer limit of `max` bytes is called, wherever the
/// parser runs (a source's error event, the stream parser's error).
pub fn overflow_message(max: usize) -> String {
    format!("an event exceeded maxBufferSize ({max} bytes)")
}

impl fmt::Display for ErrorEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ErrorEvent {}
