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
//! The core picks the sentence ([`ErrorInfo`]'s `sentence()`); its words are in
//! `src/rules.json`, which the npm package's JavaScript fills the same way
//! [`ErrorEvent::new`] does here, so the WebAssembly module carries no
//! words.

use core::fmt;
use core::time::Duration;

use alloc::string::{String, ToString};

/// Why an `error` event is fired: [`ErrorEvent::reason`], and the
/// JavaScript `error` event's `reason` property ([`Reason::as_str`]).
///
/// What the source does next is the event's `will_retry`. As the standard
/// says, a failure of the network or the end of the body reconnects, and a
/// response the source cannot use fails it (closed for good). A reason
/// that reconnects fails the source instead once `max_attempts` has run out
/// (`gave_up`), and always for a source reading a stream the app supplied
/// (`from_readable_stream`), which cannot be asked for again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The fetch failed before a response: DNS, a refused or reset
    /// connection, the browser offline. Reconnects. The fetch of a
    /// cross-origin URL that fails is probed first, and is
    /// [`Reason::Cors`] if the server turns out to answer; the rejections
    /// of an app's own `fetch` are not probed, so they are all this reason.
    Network,
    /// The response body broke off with an error after `open`. Reconnects.
    BodyError,
    /// The response body ended normally: the server closed the stream.
    /// Reconnects, as the standard says, unless the end means done
    /// (`StreamEnd::Close`, the default for methods other than GET and
    /// HEAD, or a stream the app supplied): then the source closes.
    BodyEnded,
    /// The response status was not 200 (redirects are followed first,
    /// unless the `redirect` option refuses them: [`Reason::Redirect`]).
    /// Fails the source, unless the status is one of `retry_on_status`:
    /// then it reconnects, waiting at least what `Retry-After` asks.
    Status,
    /// The response's MIME type was not `text/event-stream`. Fails the
    /// source.
    ContentType,
    /// The stream held more incomplete input (a partial line and the event
    /// being assembled) than `max_buffer_size` allows. Fails the source,
    /// once the events completed before it are delivered.
    Overflow,
    /// Nothing at all (not even a comment) arrived within
    /// `inactivity_timeout`, counted from the request or the last bytes
    /// received. Reconnects.
    Inactivity,
    /// The URL's scheme cannot be fetched: only `http:`, `https:`, `blob:`
    /// and `data:` can, unless the app supplies its own `fetch`. Fails the
    /// source before any request.
    Scheme,
    /// Preparing the request failed: a `headers` or `body` function failed
    /// (in Rust, returned a `SetupError`; in JavaScript, threw or
    /// rejected), the headers it computed are not valid, or the app's own
    /// `fetch` threw instead of returning. Reconnects, calling the functions
    /// again. (In JavaScript also when the WebAssembly module could not
    /// load, which fails the source.)
    Setup,
    /// CORS refused the request: the fetch of a cross-origin URL failed,
    /// but the server answers (a `no-cors` probe reached it), so it does not
    /// allow this origin or rejected the preflight. Fails the source, as the
    /// standard does for a CORS failure. (In a `COEP: require-corp` page the
    /// probe needs the server's `Cross-Origin-Resource-Policy`; without it
    /// a refusal is [`Reason::Network`].)
    Cors,
    /// The page stopped the request (`window.stop()`), not the source.
    /// Fails the source, as `window.stop()` fails a native `EventSource`.
    Aborted,
    /// The server answered with a redirect, and the `redirect` option
    /// refuses redirects (the default when the request has custom headers,
    /// which would go to the new address). Fails the source.
    Redirect,
}

impl Reason {
    /// Every reason, in declaration order.
    pub const ALL: [Reason; 12] = [
        Reason::Network,
        Reason::BodyError,
        Reason::BodyEnded,
        Reason::Status,
        Reason::ContentType,
        Reason::Overflow,
        Reason::Inactivity,
        Reason::Scheme,
        Reason::Setup,
        Reason::Cors,
        Reason::Aborted,
        Reason::Redirect,
    ];
}

impl core::fmt::Display for Reason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

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

include!(concat!(env!("OUT_DIR"), "/words.rs"));

/// An `error` event as the machine decides it ([`Action::Retry`],
/// [`Action::Fail`]): what happened and what comes next, and what its
/// sentence names. [`Failure::event`] words it.
///
/// [`Action::Retry`]: crate::reconnect::Action::Retry
/// [`Action::Fail`]: crate::reconnect::Action::Fail
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The event's fields.
    pub info: ErrorInfo,
    /// The content type for [`Reason::ContentType`], otherwise the message
    /// of the exception that caused it (empty if none).
    pub detail: String,
    /// The `maxBufferSize` the overflow sentence names.
    pub max_buffer_size: usize,
    /// The `inactivityTimeout` the inactivity sentence names.
    pub inactivity_timeout: Option<f64>,
}

impl Failure {
    /// The event, worded.
    pub fn event(&self) -> ErrorEvent {
        ErrorEvent::new(
            &self.info,
            &self.detail,
            self.max_buffer_size,
            self.inactivity_timeout,
        )
    }
}

impl ErrorEvent {
    /// The event for `info`, as [`Failure::event`] words it. `detail` is the
    /// content type for [`Reason::ContentType`], otherwise the message of
    /// the exception that caused it (empty if none). `max_buffer_size` and
    /// `inactivity_timeout` are the limits the overflow and inactivity
    /// sentences name. Public for this crate's own tests; not covered by
    /// semver.
    #[doc(hidden)]
    pub fn new(
        info: &ErrorInfo,
        detail: &str,
        max_buffer_size: usize,
        inactivity_timeout: Option<f64>,
    ) -> ErrorEvent {
        let sentence = SENTENCES[info.sentence()];
        let value = |name: &str| -> String {
            let number = match name {
                "detail" => return String::from(detail),
                "status" => info.status.map(u64::from),
                "maxBufferSize" => Some(max_buffer_size as u64),
                // Whole milliseconds.
                "inactivityTimeout" => {
                    Some((inactivity_timeout.unwrap_or(0.0).max(0.0) + 0.5) as u64)
                }
                "retryDelay" => info.retry_delay,
                "attempt" => Some(u64::from(info.attempt)),
                _ => None,
            };
            number.map_or_else(|| String::from("?"), |n| n.to_string())
        };
        let mut message = fill(sentence, &value);
        if !detail.is_empty() && !sentence.contains("{detail}") {
            message += &fill(DETAIL, &value);
        }
        if info.retry_delay.is_some() {
            message += &fill(RETRYING, &value);
        } else if info.gave_up {
            message += &fill(GAVE_UP, &value);
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

/// `words` with each `{name}` replaced by `value(name)`.
fn fill(words: &str, value: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = words;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').unwrap_or(after.len());
        out.push_str(&value(&after[..close]));
        rest = after.get(close + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// The sentence of an overflow, wherever the parser runs (a source's error
/// event, the stream parser's error).
#[cfg(feature = "module")]
pub(crate) fn overflow_sentence() -> usize {
    ErrorInfo {
        reason: Reason::Overflow,
        status: None,
        retry_delay: None,
        attempt: 0,
        gave_up: false,
        supplied: false,
    }
    .sentence()
}

impl fmt::Display for ErrorEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl core::error::Error for ErrorEvent {}
