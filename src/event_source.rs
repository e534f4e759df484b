//! The Rust API: [`EventSource`], a [`Stream`] of [`SourceEvent`]s for
//! Rust/wasm apps, on the same engine as the JavaScript class.
//!
//! It follows the standard's
//! [`EventSource`](https://html.spec.whatwg.org/multipage/server-sent-events.html#the-eventsource-interface)
//! (one stream item per event the standard fires: `open`, each message,
//! `error`) and offers every extension of the JavaScript init dictionary
//! through [`Builder`].
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use std::time::Duration;
//! use wasm_eventsource::{EventSource, SourceEvent};
//!
//! # async fn run() -> Result<(), wasm_eventsource::BuildError> {
//! let mut source = EventSource::builder("/api/stream")
//!     .header("Authorization", "Bearer t0k3n")
//!     .initial_delay(Duration::from_secs(1))
//!     .multiplier(2.0)
//!     .max_delay(Duration::from_secs(30))
//!     .jitter(1.0)
//!     .build()?;
//! while let Some(event) = source.next().await {
//!     match event {
//!         SourceEvent::Open => {}
//!         SourceEvent::Message(m) => web_sys::console::log_1(&m.data.into()),
//!         SourceEvent::Error(e) if e.will_retry => {}
//!         SourceEvent::Error(e) => web_sys::console::warn_1(&e.message.into()),
//!     }
//! }
//! # Ok(())
//! # }
//! ```

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::format;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::RefCell;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use core::time::Duration;

use futures_core::stream::{FusedStream, Stream};
use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::browser::{self, Compute, Frontend, PerAttempt, RequestSpec};
use crate::error::ErrorEvent;
use crate::http::{Credentials, MAX_DELAY, STREAM_URL};
use crate::options::{self, Rule};
use crate::parser::Batch;
use crate::reconnect::{Config, PageEvent, ReadyState, ReconnectState};

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
    /// `error`. When [`will_retry`](ErrorEvent::will_retry) is false the
    /// source is closed and the stream ends after this item.
    Error(ErrorEvent),
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

impl From<JsValue> for Body {
    fn from(value: JsValue) -> Body {
        Body::Js(value)
    }
}

impl Body {
    fn to_js(&self) -> JsValue {
        match self {
            Body::Text(text) => JsValue::from_str(text),
            Body::Bytes(bytes) => Uint8Array::from(&bytes[..]).into(),
            Body::Js(value) => value.clone(),
        }
    }
}

/// Why [`Builder::build`] refused: the JavaScript class throws a
/// `SyntaxError` or `TypeError` for the same input.
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
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Url { url } => write!(f, "invalid EventSource URL {url:?}"),
            BuildError::Option { option, expected } => {
                write!(f, "EventSource option `{option}` must be {expected}")
            }
        }
    }
}

impl std::error::Error for BuildError {}

fn option_error(option: &'static str, expected: impl Into<String>) -> BuildError {
    BuildError::Option {
        option,
        expected: expected.into(),
    }
}

/// The error for a value `rule` refuses.
fn refused(rule: &Rule) -> BuildError {
    option_error(rule.rust, rule.expected)
}

/// `value` if `rule` allows it.
fn check(rule: &Rule, value: f64) -> Result<f64, BuildError> {
    if rule.allows(value) {
        Ok(value)
    } else {
        Err(refused(rule))
    }
}

/// A Rust closure that computes a request part before every attempt.
type ComputeFn<T> = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<T, String>>>>>;

/// A per-attempt request part, as the builder holds it.
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

fn pairs_to_js(pairs: &[(String, String)]) -> JsValue {
    pairs
        .iter()
        .map(|(k, v)| Array::of2(&k.into(), &v.into()))
        .collect::<Array>()
        .into()
}

/// Options for an [`EventSource`], the same as the JavaScript init
/// dictionary's. Every option is optional; with none the source behaves as
/// the standard says. Made by [`EventSource::builder`]; values are checked
/// by [`build`](Builder::build).
#[must_use = "a builder does nothing until build() is called"]
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
    fn new(url: &str) -> Builder {
        Builder {
            url: url.to_string(),
            config: Config::default(),
            method: None,
            headers: Vec::new(),
            headers_fn: None,
            body: None,
            credentials: None,
            with_credentials: false,
            id_param: None,
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

    /// Add a request header sent with every attempt. `Accept:
    /// text/event-stream` is sent unless you set `Accept`.
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.headers
            .push((name.as_ref().to_string(), value.as_ref().to_string()));
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

    /// Headers computed asynchronously before every attempt. An `Err` is
    /// an error event (reason [`Reason::Setup`](crate::Reason::Setup)) and
    /// the source reconnects as after a network error.
    pub fn headers_with_async<F, Fut, I, K, V, E>(mut self, f: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<I, E>> + 'static,
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
        E: fmt::Display,
    {
        self.headers_fn = Some(Rc::new(move || {
            let future = f();
            Box::pin(async move { future.await.map(to_pairs).map_err(|e| e.to_string()) })
        }));
        self
    }

    /// The HTTP method, `GET` by default. Any method token but `CONNECT`,
    /// `TRACE` and `TRACK`.
    pub fn method(mut self, method: impl AsRef<str>) -> Self {
        self.method = Some(method.as_ref().to_string());
        self
    }

    /// The request body of every attempt (not with `GET` or `HEAD`).
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
    /// error event (reason [`Reason::Setup`](crate::Reason::Setup)).
    pub fn body_with_async<F, Fut, B, E>(mut self, f: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<B, E>> + 'static,
        B: Into<Body>,
        E: fmt::Display,
    {
        self.body = Some(Dynamic::Computed(Rc::new(move || {
            let future = f();
            Box::pin(async move { future.await.map(Into::into).map_err(|e| e.to_string()) })
        })));
        self
    }

    /// `Last-Event-ID` for the first request, and the last event id of
    /// messages until the stream sets one. No NUL, CR or LF.
    pub fn last_event_id(mut self, id: impl AsRef<str>) -> Self {
        self.config.last_event_id = id.as_ref().to_string();
        self
    }

    /// Also send the last event id in this query parameter (for servers
    /// or proxies that drop the header).
    pub fn last_event_id_query_param(mut self, name: impl AsRef<str>) -> Self {
        self.id_param = Some(name.as_ref().to_string());
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
    /// [`gave_up`](ErrorEvent::gave_up)). Unlimited by default; 0 never
    /// reconnects.
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
    pub fn build(self) -> Result<EventSource, BuildError> {
        let url = resolve_url(&self.url)?;
        // Each option's rule and wording come from src/rules.json, as the
        // JavaScript class's do.
        let method = self
            .method
            .unwrap_or_else(|| String::from(options::DEFAULT_METHOD));
        if !options::is_method_token(&method) {
            return Err(refused(&options::METHOD));
        }
        if self.body.is_some() && !options::allows_body(&method) {
            return Err(option_error(options::BODY.rust, options::BODY_WITHOUT_BODY));
        }
        let headers = web_sys::Headers::new().map_err(|e| option_error("header", js_text(&e)))?;
        for (name, value) in &self.headers {
            headers.append(name, value).map_err(|e| {
                option_error(
                    options::HEADER.rust,
                    format!("valid request headers ({})", js_text(&e)),
                )
            })?;
        }
        let mut config = self.config;
        if !options::is_event_id(&config.last_event_id) {
            return Err(refused(&options::LAST_EVENT_ID));
        }
        if self.id_param.as_deref() == Some("") {
            return Err(refused(&options::LAST_EVENT_ID_QUERY_PARAM));
        }
        check(&options::INITIAL_DELAY, config.initial_delay)?;
        let b = &mut config.backoff;
        b.max_delay = check(&options::MAX_DELAY, b.max_delay)?.min(MAX_DELAY);
        check(&options::MULTIPLIER, b.multiplier)?;
        check(&options::JITTER, b.jitter)?;
        for &status in &config.retry_on_status {
            check(&options::RETRY_ON_STATUS, f64::from(status))?;
        }
        if let Some(ms) = config.inactivity_timeout {
            check(&options::INACTIVITY_TIMEOUT, ms)?;
        }
        check(&options::MAX_BUFFER_SIZE, config.max_buffer_size as f64)?;
        check(&options::QUEUE_CAPACITY, self.queue_capacity as f64)?;

        let mut request = RequestSpec::new(url.clone());
        request.method = method;
        let fixed = self.headers;
        request.headers = match self.headers_fn {
            None if fixed.is_empty() => PerAttempt::NONE,
            None => PerAttempt::Js(pairs_to_js(&fixed)),
            Some(f) => {
                let fixed: Rc<[(String, String)]> = fixed.into();
                let compute: Compute = Rc::new(move || {
                    let (fixed, pending) = (fixed.clone(), f());
                    Box::pin(async move {
                        let more = pending
                            .await
                            .map_err(|e| JsValue::from(js_sys::Error::new(&e)))?;
                        let all: Pairs = fixed.iter().cloned().chain(more).collect();
                        Ok(pairs_to_js(&all))
                    })
                });
                PerAttempt::Rust(compute)
            }
        };
        request.body = match self.body {
            None => PerAttempt::NONE,
            Some(Dynamic::Fixed(body)) => PerAttempt::Js(body.to_js()),
            Some(Dynamic::Computed(f)) => PerAttempt::Rust(Rc::new(move || {
                let pending = f();
                Box::pin(async move {
                    let body = pending
                        .await
                        .map_err(|e| JsValue::from(js_sys::Error::new(&e)))?;
                    Ok(body.to_js())
                })
            })),
        };
        config.credentials = options::credentials_mode(self.with_credentials, self.credentials);
        config.last_event_id_query_param = self.id_param;
        config.custom_fetch = self.fetch.is_some();
        request.fetch = self.fetch;

        let receiver = Receiver::new(self.queue_capacity);
        let mut machine =
            ReconnectState::new(config, browser::platform(), Box::new(js_sys::Math::random));
        if browser::offline() {
            machine.on_page(PageEvent::Offline, 0.0);
        }
        let engine = browser::Engine::start(machine, request, receiver.clone());
        Ok(EventSource {
            engine,
            receiver,
            url,
            with_credentials: self.with_credentials,
        })
    }
}

fn js_text(err: &JsValue) -> String {
    Reflect::get(err, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| format!("{err:?}"))
}

/// `url` resolved against the document's base URL, or a worker's location.
fn resolve_url(url: &str) -> Result<String, BuildError> {
    let base = browser::global_get(&["document", "baseURI"])
        .and_then(|b| b.as_string())
        .or_else(|| browser::global_get(&["location", "href"]).and_then(|h| h.as_string()));
    let parsed = match base {
        Some(base) => web_sys::Url::new_with_base(url, &base),
        None => web_sys::Url::new(url),
    };
    let invalid = || BuildError::Url {
        url: url.to_string(),
    };
    let parsed = parsed.map_err(|_| invalid())?;
    // [spec] The URL standard rejects hosts some browsers' parsers accept.
    let protocol = parsed.protocol();
    let special = options::is_special_scheme(protocol.trim_end_matches(':'));
    if special && !options::is_valid_host(&parsed.hostname()) {
        return Err(invalid());
    }
    Ok(parsed.href())
}

/// What the engine has delivered and the consumer not yet taken.
struct Queue {
    items: VecDeque<SourceEvent>,
    capacity: usize,
    /// Nothing more will be queued: the source failed or was closed.
    ended: bool,
    waker: Option<Waker>,
    /// Resolves the promise the engine waits on while the queue is full.
    resume: Option<Function>,
    origin: Rc<str>,
}

/// The Rust API's front end: queues what the engine reports.
struct Receiver(RefCell<Queue>);

impl Receiver {
    fn new(capacity: usize) -> Rc<Receiver> {
        Rc::new(Receiver(RefCell::new(Queue {
            items: VecDeque::new(),
            capacity,
            ended: false,
            waker: None,
            resume: None,
            origin: Rc::from(""),
        })))
    }

    fn push(&self, item: SourceEvent, ends: bool) {
        let waker = {
            let mut queue = self.0.borrow_mut();
            if queue.ended {
                return;
            }
            queue.items.push_back(item);
            queue.ended = ends;
            queue.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Let the engine read on (the consumer caught up, or the source closed).
    fn release(&self) {
        let resume = self.0.borrow_mut().resume.take();
        if let Some(resume) = resume {
            let _ = resume.call0(&JsValue::UNDEFINED);
        }
    }
}

impl Frontend for Receiver {
    fn open(&self, origin: &str) {
        self.0.borrow_mut().origin = Rc::from(origin);
        self.push(SourceEvent::Open, false);
    }

    fn events(&self, batch: &Batch) -> Option<Promise> {
        let waker = {
            let mut queue = self.0.borrow_mut();
            if queue.ended {
                return None;
            }
            let origin = queue.origin.clone();
            queue.items.extend(batch.iter().map(|e| {
                SourceEvent::Message(Message {
                    event_type: e.event_type.to_string(),
                    data: e.data.to_string(),
                    last_event_id: e.last_event_id.to_string(),
                    origin: origin.clone(),
                })
            }));
            queue.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        let mut queue = self.0.borrow_mut();
        if queue.items.len() < queue.capacity {
            return None;
        }
        let mut resume = None;
        let promise = Promise::new(&mut |resolve, _| resume = Some(resolve));
        queue.resume = resume;
        Some(promise)
    }

    fn error(&self, error: &ErrorEvent) {
        self.push(SourceEvent::Error(error.clone()), !error.will_retry);
    }
}

/// A Server-Sent Events source: the standard `EventSource` as a
/// [`Stream`] of [`SourceEvent`]s.
///
/// The stream ends after the source fails (an error with `will_retry`
/// false) or is closed. Dropping it closes it: the fetch is aborted and the
/// reconnection timer cancelled. Events the consumer has not taken are
/// held in a bounded queue; when it is full the source stops reading the
/// response (see [`Builder::queue_capacity`]).
pub struct EventSource {
    engine: browser::Engine,
    receiver: Rc<Receiver>,
    url: String,
    with_credentials: bool,
}

impl fmt::Debug for EventSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSource")
            .field("url", &self.url)
            .field("ready_state", &self.ready_state())
            .finish_non_exhaustive()
    }
}

impl EventSource {
    /// Open a source with the standard's behaviour. `url` may be relative
    /// to the page (or worker).
    pub fn new(url: &str) -> Result<EventSource, BuildError> {
        Builder::new(url).build()
    }

    /// Options for a source; [`Builder::build`] opens it.
    pub fn builder(url: &str) -> Builder {
        Builder::new(url)
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
        if stream.locked() {
            return Err(option_error(
                "stream",
                "a ReadableStream that is not locked",
            ));
        }
        let reader = stream
            .get_reader()
            .dyn_into::<web_sys::ReadableStreamDefaultReader>()
            .map_err(|_| option_error("stream", "a ReadableStream of bytes"))?;
        let config = Config::default();
        let receiver = Receiver::new(DEFAULT_QUEUE_CAPACITY);
        let machine =
            ReconnectState::new(config, browser::platform(), Box::new(js_sys::Math::random));
        let engine = browser::Engine::start_stream(machine, reader, receiver.clone());
        Ok(EventSource {
            engine,
            receiver,
            url: String::from(STREAM_URL),
            with_credentials: false,
        })
    }

    /// The resolved URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether the source sends credentials cross-origin (the standard's
    /// `withCredentials`).
    pub fn with_credentials(&self) -> bool {
        self.with_credentials
    }

    /// The source's ready state, as its machine has it: like
    /// [`last_event_id`](Self::last_event_id), it can be ahead of items
    /// still queued (`Open` once the response was accepted, `Connecting`
    /// while waiting to reconnect, `Closed` after a failure or
    /// [`close`](Self::close)).
    pub fn ready_state(&self) -> ReadyState {
        self.engine.ready_state()
    }

    /// The source's last event id: what the next reconnection sends as
    /// `Last-Event-ID`. It can be ahead of messages still queued.
    pub fn last_event_id(&self) -> String {
        self.engine.last_event_id()
    }

    /// The reconnection time: the initial delay until the server's `retry:`
    /// field sets it.
    pub fn reconnection_time(&self) -> Duration {
        Duration::from_secs_f64(self.engine.reconnection_time() / 1000.0)
    }

    /// Discard buffered, incomplete input (a partial line and the event
    /// being assembled), for example before a fresh stream follows. The
    /// last event id is kept.
    pub fn reset(&self) {
        self.engine.reset();
    }

    /// Close the source: abort the fetch, cancel the timer, drop what is
    /// queued. The stream then ends.
    pub fn close(&self) {
        self.engine.close();
        let waker = {
            let mut queue = self.receiver.0.borrow_mut();
            queue.ended = true;
            queue.items.clear();
            queue.waker.take()
        };
        self.receiver.release();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Drop for EventSource {
    fn drop(&mut self) {
        self.close();
    }
}

impl Stream for EventSource {
    type Item = SourceEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<SourceEvent>> {
        let this = self.get_mut();
        let mut queue = this.receiver.0.borrow_mut();
        let Some(item) = queue.items.pop_front() else {
            if queue.ended {
                return Poll::Ready(None);
            }
            queue.waker = Some(cx.waker().clone());
            return Poll::Pending;
        };
        let caught_up = queue.resume.is_some() && queue.items.len() <= queue.capacity / 2;
        drop(queue);
        if caught_up {
            this.receiver.release();
        }
        Poll::Ready(Some(item))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.receiver.0.borrow().items.len(), None)
    }
}

impl FusedStream for EventSource {
    fn is_terminated(&self) -> bool {
        let queue = self.receiver.0.borrow();
        queue.ended && queue.items.is_empty()
    }
}
