//! The Rust API: [`EventSource`], a [`Stream`] of [`SourceEvent`]s for
//! Rust/wasm apps, on the same engine as the JavaScript class.
//!
//! It follows the standard's
//! [`EventSource`](https://html.spec.whatwg.org/multipage/server-sent-events.html#the-eventsource-interface)
//! (one stream item per event the standard fires: `open`, each message,
//! `error`) and offers every extension of the JavaScript init dictionary
//! through [`Builder`].
//!
//! The types exist on every target. A source opens on wasm32 only, where
//! `web` checks what needs the browser (the URL, the headers) and starts
//! the browser driver (`src/browser`); elsewhere [`Builder::build`] returns
//! [`BuildError::UnsupportedTarget`] and no [`EventSource`] can exist
//! (`unsupported`).

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use futures_core::stream::{FusedStream, Stream};
use js_sys::Function;
use wasm_bindgen::prelude::*;

use crate::http::{Credentials, MAX_DELAY};
use crate::options;
use crate::reconnect::{Config, ReadyState};

#[cfg(target_arch = "wasm32")]
mod web;
#[cfg(target_arch = "wasm32")]
use web::{open, open_stream, Source};

#[cfg(not(target_arch = "wasm32"))]
mod unsupported;
#[cfg(not(target_arch = "wasm32"))]
use unsupported::{open, open_stream, Source};

/// Messages a source queues for a consumer that is behind before it stops
/// reading the response body (the JavaScript class's `highWaterMark`).
pub const DEFAULT_QUEUE_CAPACITY: usize = options::QUEUE_CAPACITY.default as usize;

/// What an [`EventSource`] yields: one item per event the standard fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceEvent {
    /// `open`: a response was accepted; the ready state is `Open`.
    Open,
    /// A message event, of any type (`message` or the `event:` field's).
    Message(Message),
    /// `error`. When [`will_retry`](crate::ErrorEvent::will_retry) is
    /// false the source is closed and the stream ends after this item.
    Error(crate::ErrorEvent),
}

/// A message event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The event type: the `event:` field's value, or `"message"`.
    pub event_type: String,
    /// The `data:` lines, joined with LF.
    pub data: String,
    /// The source's last event id when the event was dispatched.
    pub last_event_id: String,
    /// The origin of the response's final URL (after redirects).
    pub origin: Rc<str>,
}

/// A request body: text, bytes, or any JavaScript value `fetch` accepts as
/// a body (`Blob`, `FormData`, `URLSearchParams`, `ReadableStream`...).
///
/// [`Builder::body`] takes anything that converts into one: a `String` or
/// `&str`, a `Vec<u8>` or byte slice, or a [`JsValue`].
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Sent as UTF-8.
    Text(String),
    /// Sent as is.
    Bytes(Vec<u8>),
    /// A JavaScript body value.
    Js(JsValue),
}

impl From<String> for Body {
    fn from(text: String) -> Body {
        Body::Text(text)
    }
}

impl From<&str> for Body {
    fn from(text: &str) -> Body {
        Body::Text(text.to_string())
    }
}

impl From<&String> for Body {
    fn from(text: &String) -> Body {
        Body::Text(text.clone())
    }
}

impl From<Cow<'_, str>> for Body {
    fn from(text: Cow<'_, str>) -> Body {
        Body::Text(text.into_owned())
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Body {
        Body::Bytes(bytes)
    }
}

impl From<&[u8]> for Body {
    fn from(bytes: &[u8]) -> Body {
        Body::Bytes(bytes.to_vec())
    }
}

impl<const N: usize> From<&[u8; N]> for Body {
    fn from(bytes: &[u8; N]) -> Body {
        Body::Bytes(bytes.to_vec())
    }
}

impl From<JsValue> for Body {
    fn from(value: JsValue) -> Body {
        Body::Js(value)
    }
}

/// Why [`Builder::build`] (or [`EventSource::from_readable_stream`])
/// refused to open a source.
///
/// For a bad URL or option the JavaScript class throws a `SyntaxError` or a
/// `TypeError`; converted into a [`JsValue`] (`?` in a `#[wasm_bindgen]`
/// function), a `BuildError` is that same kind of error, with its
/// [`Display`](fmt::Display) text as the message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// The URL cannot be parsed (relative URLs resolve against the page's
    /// base URL, or a worker's location).
    Url {
        /// The URL as given.
        url: String,
    },
    /// An option's value is not allowed.
    Option {
        /// The [`Builder`] method that set it.
        option: &'static str,
        /// What it must be.
        expected: String,
    },
    /// This build is not for wasm32, where the browser (or a worker) gives
    /// a source `fetch` and streams: the Rust API's types compile on every
    /// target, so that the server side of a full-stack app builds, but a
    /// source opens only in code that runs in the browser.
    UnsupportedTarget,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Url { url } => write!(f, "invalid EventSource URL {url:?}"),
            BuildError::Option { option, expected } => {
                write!(f, "EventSource option `{option}` must be {expected}")
            }
            BuildError::UnsupportedTarget => write!(
                f,
                "an EventSource opens only on wasm32, in a browser or a worker; this build \
                 is for {}-{}: open sources in code that runs in the browser",
                std::env::consts::ARCH,
                std::env::consts::OS
            ),
        }
    }
}

impl std::error::Error for BuildError {}

impl From<BuildError> for JsValue {
    /// What the JavaScript class throws for the same input: a
    /// `SyntaxError` `DOMException` for the URL, a `TypeError` for an
    /// option; an `Error` off wasm32 (where no JavaScript runs this).
    fn from(error: BuildError) -> JsValue {
        let message = error.to_string();
        match error {
            BuildError::Url { .. } => {
                match web_sys::DomException::new_with_message_and_name(&message, "SyntaxError") {
                    Ok(exception) => exception.into(),
                    // No DOMException in this global: the plain kind.
                    Err(_) => js_sys::SyntaxError::new(&message).into(),
                }
            }
            BuildError::Option { .. } => js_sys::TypeError::new(&message).into(),
            BuildError::UnsupportedTarget => js_sys::Error::new(&message).into(),
        }
    }
}

/// Why a closure of [`Builder::headers_with_async`] or
/// [`Builder::body_with_async`] could not prepare a request. The source
/// fires an error event ([`Reason::Setup`](crate::Reason::Setup)) whose
/// message ends with this error's, then reconnects as after a network
/// error, calling the closure again.
///
/// `?` makes one from a [`JsValue`] (a rejected promise: its `message`, as
/// the JavaScript class reports a `headers` function that rejects), a
/// [`js_sys::Error`], a [`JsError`], a `String` or `&str`, or a boxed
/// [`std::error::Error`]; [`SetupError::new`] from any other error, or
/// anything that displays: `.map_err(SetupError::new)?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupError {
    message: String,
}

impl SetupError {
    /// An error whose message is `error`'s [`Display`](fmt::Display) text.
    pub fn new(error: impl fmt::Display) -> SetupError {
        SetupError {
            message: error.to_string(),
        }
    }

    /// The message, as the error event's message quotes it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SetupError {}

#[wasm_bindgen]
extern "C" {
    /// JavaScript's `String(value)`.
    #[wasm_bindgen(catch, js_name = String)]
    fn js_string(value: &JsValue) -> Result<String, JsValue>;
}

impl From<JsValue> for SetupError {
    /// `String(value.message ?? value)`, the words the JavaScript class
    /// reports for a `headers` or `body` function that rejects with `value`.
    fn from(value: JsValue) -> SetupError {
        let message = js_sys::Reflect::get(&value, &JsValue::from_str("message"))
            .ok()
            .filter(|m| !m.is_undefined() && !m.is_null())
            .unwrap_or(value);
        SetupError {
            message: js_string(&message).unwrap_or_else(|_| format!("{message:?}")),
        }
    }
}

impl From<js_sys::Error> for SetupError {
    fn from(error: js_sys::Error) -> SetupError {
        SetupError::from(JsValue::from(error))
    }
}

impl From<JsError> for SetupError {
    fn from(error: JsError) -> SetupError {
        SetupError::from(JsValue::from(error))
    }
}

impl From<String> for SetupError {
    fn from(message: String) -> SetupError {
        SetupError { message }
    }
}

impl From<&str> for SetupError {
    fn from(message: &str) -> SetupError {
        SetupError::from(message.to_string())
    }
}

impl From<Box<dyn std::error::Error>> for SetupError {
    fn from(error: Box<dyn std::error::Error>) -> SetupError {
        SetupError::new(error)
    }
}

impl From<Box<dyn std::error::Error + Send + Sync>> for SetupError {
    fn from(error: Box<dyn std::error::Error + Send + Sync>) -> SetupError {
        SetupError::new(error)
    }
}

/// A Rust closure that computes a request part before every attempt.
type ComputeFn<T> = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<T, SetupError>>>>>;

/// A per-attempt request part, as the builder holds it.
// Off wasm32 nothing opens a source, so nothing reads the options.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
enum Dynamic<T> {
    Fixed(T),
    Computed(ComputeFn<T>),
}

type Pairs = Vec<(String, String)>;

fn to_pairs<I, K, V>(headers: I) -> Pairs
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    headers
        .into_iter()
        .map(|(k, v)| (k.as_ref().to_string(), v.as_ref().to_string()))
        .collect()
}

/// Whether the request follows redirects ([`Builder::redirect`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Redirect {
    /// Follow them, as native `EventSource` does. The request's custom
    /// headers go to the new address too (fetch drops only
    /// `Authorization`, and only across origins). The default without
    /// custom headers.
    Follow,
    /// Refuse them: a redirect fails the source with
    /// [`Reason::Redirect`](crate::Reason::Redirect), and nothing is sent to
    /// the new address. The default with custom headers.
    Error,
}

impl Redirect {
    /// The JavaScript option's word for it: `"follow"` or `"error"`.
    pub fn as_str(self) -> &'static str {
        crate::options::REDIRECT_VALUES[self.index()]
    }

    /// Its index among the option's values in `src/rules.json`.
    pub(crate) fn index(self) -> usize {
        match self {
            Redirect::Follow => 0,
            Redirect::Error => 1,
        }
    }
}

/// What a clean end of the response does ([`Builder::stream_end`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamEnd {
    /// Reconnect, with `Last-Event-ID`: the standard's behaviour, for a
    /// subscription. The default for `GET` and `HEAD`.
    Reconnect,
    /// Close the source: one [`SourceEvent::Error`] with
    /// [`Reason::BodyEnded`](crate::Reason::BodyEnded) and `will_retry`
    /// false, then the stream of items ends. The end means done (an LLM
    /// answer is complete), so the request and its body are never sent
    /// again. The default for every other method.
    Close,
}

impl StreamEnd {
    /// The JavaScript option's word for it: `"reconnect"` or `"close"`.
    pub fn as_str(self) -> &'static str {
        crate::options::STREAM_END_VALUES[self.index()]
    }

    /// Its index among the option's values in `src/rules.json`.
    pub(crate) fn index(self) -> usize {
        match self {
            StreamEnd::Reconnect => 0,
            StreamEnd::Close => 1,
        }
    }
}

/// Options for an [`EventSource`], the same as the JavaScript init
/// dictionary's. Every option is optional; with none the source behaves as
/// the standard says. Made by [`EventSource::builder`]; values are checked
/// by [`build`](Builder::build).
// Each option is a field here and a method below; `web::open` checks it
// against its rule in src/rules.json and hands it to the machine's `Config`
// or to the request.
#[must_use = "a builder does nothing until build() is called"]
// Off wasm32 nothing opens a source, so nothing reads the options.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub struct Builder {
    url: String,
    config: Config,
    method: Option<String>,
    headers: Pairs,
    headers_fn: Option<ComputeFn<Pairs>>,
    body: Option<Dynamic<Body>>,
    credentials: Option<Credentials>,
    with_credentials: bool,
    id_param: Option<String>,
    stream_end: Option<StreamEnd>,
    redirect: Option<Redirect>,
    fetch: Option<Function>,
    queue_capacity: usize,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("url", &self.url)
            .field("config", &self.config)
            .field("method", &self.method)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl Builder {
    fn new(url: String) -> Builder {
        Builder {
            url,
            config: Config::default(),
            method: None,
            headers: Vec::new(),
            headers_fn: None,
            body: None,
            credentials: None,
            with_credentials: false,
            id_param: None,
            stream_end: None,
            redirect: None,
            fetch: None,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
        }
    }

    /// The standard's `withCredentials`: send cookies cross-origin
    /// (credentials mode `include`). [`credentials`](Builder::credentials)
    /// overrides it.
    pub fn with_credentials(mut self, on: bool) -> Self {
        self.with_credentials = on;
        self
    }

    /// The request's credentials mode.
    pub fn credentials(mut self, mode: Credentials) -> Self {
        self.credentials = Some(mode);
        self
    }

    /// What a clean end of the response does: [`StreamEnd::Reconnect`] (the
    /// standard's, the default for `GET` and `HEAD`) or [`StreamEnd::Close`]
    /// (the default for other methods, so that a request body is never
    /// sent again once its answer ended). A broken connection reconnects
    /// either way.
    pub fn stream_end(mut self, end: StreamEnd) -> Self {
        self.stream_end = Some(end);
        self
    }

    /// Whether the request follows redirects: [`Redirect::Follow`] (the
    /// default without custom headers, as native `EventSource`) or
    /// [`Redirect::Error`] (the default with custom headers, which fetch
    /// would send on to the new address: an open redirect would hand an
    /// API key to whoever is there).
    pub fn redirect(mut self, redirect: Redirect) -> Self {
        self.redirect = Some(redirect);
        self
    }

    /// Add a request header sent with every attempt. `Accept:
    /// text/event-stream` is sent unless you set `Accept`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Headers computed before every attempt (after those of
    /// [`header`](Builder::header)), so a refreshed token reaches reconnects.
    pub fn headers_with<F, I, K, V>(mut self, f: F) -> Self
    where
        F: Fn() -> I + 'static,
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        self.headers_fn = Some(Rc::new(move || {
            let pairs = to_pairs(f());
            Box::pin(async move { Ok(pairs) })
        }));
        self
    }

    /// Headers computed asynchronously before every attempt (after those of
    /// [`header`](Builder::header)): a token from the app's auth code, say.
    ///
    /// An `Err` is an error event (reason
    /// [`Reason::Setup`](crate::Reason::Setup)) and the source reconnects
    /// as after a network error. [`SetupError`] says what `?` converts;
    /// `Ok(...)` needs no annotation:
    ///
    /// ```no_run
    /// # use wasm_bindgen::JsValue;
    /// # async fn token() -> Result<String, JsValue> { Ok(String::new()) }
    /// # fn main() -> Result<(), wasm_eventsource::BuildError> {
    /// let source = wasm_eventsource::EventSource::builder("/events")
    ///     .headers_with_async(|| async {
    ///         let token = token().await?;
    ///         Ok([("Authorization", format!("Bearer {token}"))])
    ///     })
    ///     .build()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn headers_with_async<F, Fut, I, K, V>(mut self, f: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<I, SetupError>> + 'static,
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        self.headers_fn = Some(Rc::new(move || {
            let future = f();
            Box::pin(async move { future.await.map(to_pairs) })
        }));
        self
    }

    /// The HTTP method, `GET` by default. Any method token but `CONNECT`,
    /// `TRACE` and `TRACK`.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// The request body of every attempt (not with `GET` or `HEAD`): a
    /// `String` or `&str`, bytes, or a JavaScript body value ([`Body`]).
    pub fn body(mut self, body: impl Into<Body>) -> Self {
        self.body = Some(Dynamic::Fixed(body.into()));
        self
    }

    /// A body computed before every attempt.
    pub fn body_with<F, B>(mut self, f: F) -> Self
    where
        F: Fn() -> B + 'static,
        B: Into<Body>,
    {
        self.body = Some(Dynamic::Computed(Rc::new(move || {
            let body = f().into();
            Box::pin(async move { Ok(body) })
        })));
        self
    }

    /// A body computed asynchronously before every attempt. An `Err` is an
    /// error event (reason [`Reason::Setup`](crate::Reason::Setup)), as for
    /// [`headers_with_async`](Builder::headers_with_async).
    pub fn body_with_async<F, Fut, B>(mut self, f: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<B, SetupError>> + 'static,
        B: Into<Body>,
    {
        self.body = Some(Dynamic::Computed(Rc::new(move || {
            let future = f();
            Box::pin(async move { future.await.map(Into::into) })
        })));
        self
    }

    /// `Last-Event-ID` for the first request, and the last event id of
    /// messages until the stream sets one. No NUL, CR or LF.
    pub fn last_event_id(mut self, id: impl Into<String>) -> Self {
        self.config.last_event_id = id.into();
        self
    }

    /// Also send the last event id in this query parameter (for servers
    /// or proxies that drop the header).
    pub fn last_event_id_query_param(mut self, name: impl Into<String>) -> Self {
        self.id_param = Some(name.into());
        self
    }

    /// The reconnection time until the server sends `retry:` (3 s by
    /// default, as the standard suggests).
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.config.initial_delay = delay.as_secs_f64() * 1000.0;
        self
    }

    /// Growth of the delay per consecutive attempt (1, a fixed delay, by
    /// default): `delay = min(max_delay, base × multiplier^attempt)`.
    pub fn multiplier(mut self, multiplier: f64) -> Self {
        self.config.backoff.multiplier = multiplier;
        self
    }

    /// Upper bound on the computed delay (none by default).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.config.backoff.max_delay = (delay.as_secs_f64() * 1000.0).min(MAX_DELAY);
        self
    }

    /// The randomised fraction `j` of each delay, from 0 (the default) to
    /// 1 (full jitter): the delay `d` becomes uniform in `[d × (1 − j), d]`.
    pub fn jitter(mut self, jitter: f64) -> Self {
        self.config.backoff.jitter = jitter;
        self
    }

    /// Reconnection attempts allowed in a row without receiving an event
    /// before the source gives up (an error with `will_retry` false and
    /// [`gave_up`](crate::ErrorEvent::gave_up)). Unlimited by default; 0
    /// never reconnects.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.config.max_attempts = Some(attempts);
        self
    }

    /// Statuses (e.g. 429, 502, 503) that reconnect instead of failing the
    /// source; `Retry-After` sets a minimum delay.
    pub fn retry_on_status(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.config.retry_on_status = statuses.into_iter().collect();
        self
    }

    /// Reconnect when nothing at all (not even a comment) arrives for this
    /// long, counting from the start of each request.
    pub fn inactivity_timeout(mut self, timeout: Duration) -> Self {
        self.config.inactivity_timeout = Some(timeout.as_secs_f64() * 1000.0);
        self
    }

    /// Most bytes of incomplete input (a partial line and the event being
    /// assembled) held at once; beyond it the source fails with
    /// [`Reason::Overflow`](crate::Reason::Overflow). 64 MiB by default.
    pub fn max_buffer_size(mut self, bytes: usize) -> Self {
        self.config.max_buffer_size = bytes;
        self
    }

    /// A JavaScript function to call instead of the global `fetch`, as
    /// `fetch(url, init)`, returning a `Response` or a promise of one. With
    /// it, any URL scheme is passed through.
    pub fn fetch(mut self, fetch: Function) -> Self {
        self.fetch = Some(fetch);
        self
    }

    /// Messages queued for a consumer that is behind before the source
    /// stops reading the response body, so TCP pushes back on the server
    /// instead of memory growing ([`DEFAULT_QUEUE_CAPACITY`] by default).
    /// Reading resumes once the consumer has taken half of them.
    pub fn queue_capacity(mut self, messages: usize) -> Self {
        self.queue_capacity = messages;
        self
    }

    /// Check the options and open the source. It starts connecting once
    /// the current task yields.
    ///
    /// Off wasm32 this is always [`BuildError::UnsupportedTarget`].
    pub fn build(self) -> Result<EventSource, BuildError> {
        open(self).map(|source| EventSource { source })
    }
}

/// A Server-Sent Events source: the standard `EventSource` as a
/// [`Stream`](futures_core::Stream) of [`SourceEvent`]s.
///
/// The stream ends after the source fails (an error with `will_retry`
/// false) or is closed. Dropping it closes it: the fetch is aborted and the
/// reconnection timer cancelled. Events the consumer has not taken are
/// held in a bounded queue; when it is full the source stops reading the
/// response (see [`Builder::queue_capacity`]).
///
/// The type exists on every target; off wasm32 none can be opened
/// ([`BuildError::UnsupportedTarget`]).
pub struct EventSource {
    source: Source,
}

impl fmt::Debug for EventSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSource")
            .field("url", &self.url())
            .field("ready_state", &self.ready_state())
            .finish_non_exhaustive()
    }
}

impl EventSource {
    /// Open a source with the standard's behaviour. `url` (a `&str` or a
    /// `String`) may be relative to the page (or worker).
    pub fn new(url: impl Into<String>) -> Result<EventSource, BuildError> {
        Builder::new(url.into()).build()
    }

    /// Options for a source; [`Builder::build`] opens it.
    pub fn builder(url: impl Into<String>) -> Builder {
        Builder::new(url.into())
    }

    /// A source that parses `stream`, a byte stream the app supplies (a
    /// `fetch()` body it made itself, say), instead of fetching: `Open` at
    /// once, its events, and an error with `will_retry` false when the
    /// stream ends or errors; no reconnection. Its URL is
    /// `about:event-stream` and its messages' origin `"null"`
    /// ([whatwg/html#12272](https://github.com/whatwg/html/pull/12272)).
    /// A locked stream is refused.
    pub fn from_readable_stream(
        stream: &web_sys::ReadableStream,
    ) -> Result<EventSource, BuildError> {
        open_stream(stream).map(|source| EventSource { source })
    }

    /// The resolved URL.
    pub fn url(&self) -> &str {
        self.source.url()
    }

    /// Whether the source sends credentials cross-origin (the standard's
    /// `withCredentials`).
    pub fn with_credentials(&self) -> bool {
        self.source.with_credentials()
    }

    /// The source's ready state, as its machine has it: like
    /// [`last_event_id`](Self::last_event_id), it can be ahead of items
    /// still queued (`Open` once the response was accepted, `Connecting`
    /// while waiting to reconnect, `Closed` after a failure or
    /// [`close`](Self::close)).
    pub fn ready_state(&self) -> ReadyState {
        self.source.ready_state()
    }

    /// The source's last event id: what the next reconnection sends as
    /// `Last-Event-ID`. It can be ahead of messages still queued.
    pub fn last_event_id(&self) -> String {
        self.source.last_event_id()
    }

    /// The reconnection time: the initial delay until the server's `retry:`
    /// field sets it.
    pub fn reconnection_time(&self) -> Duration {
        Duration::from_secs_f64(self.source.reconnection_time() / 1000.0)
    }

    /// Discard buffered, incomplete input (a partial line and the event
    /// being assembled), for example before a fresh stream follows. The
    /// last event id is kept.
    pub fn reset(&self) {
        self.source.reset();
    }

    /// Close the source: abort the fetch, cancel the timer, drop what is
    /// queued. The stream then ends.
    pub fn close(&self) {
        self.source.close();
    }
}

impl Stream for EventSource {
    type Item = SourceEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<SourceEvent>> {
        self.get_mut().source.poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.source.size_hint()
    }
}

impl FusedStream for EventSource {
    fn is_terminated(&self) -> bool {
        self.source.is_terminated()
    }
}
