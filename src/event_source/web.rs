//! Opening a source on wasm32: the checks that need the browser (the URL,
//! the headers) beside every other option's, the request the browser
//! driver makes for each attempt, and the queue it reports to, which the
//! [`EventSource`](super::EventSource) stream reads.

use alloc::collections::VecDeque;
use alloc::format;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use core::cell::RefCell;
use core::task::{Context, Poll, Waker};

use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::{
    Body, BuildError, Builder, Dynamic, Message, Pairs, Redirect, SetupError, SourceEvent,
    StreamEnd, DEFAULT_QUEUE_CAPACITY,
};
use crate::browser::{self, Compute, Frontend, PerAttempt, RequestSpec};
use crate::error::ErrorEvent;
use crate::http::{MAX_DELAY, STREAM_URL};
use crate::options::{self, Rule};
use crate::parser::Batch;
use crate::reconnect::{Config, PageEvent, ReadyState, ReconnectState};

/// The error for `option` (a [`Builder`] method).
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

impl Body {
    fn to_js(&self) -> JsValue {
        match self {
            Body::Text(text) => JsValue::from_str(text),
            Body::Bytes(bytes) => Uint8Array::from(&bytes[..]).into(),
            Body::Js(value) => value.clone(),
        }
    }
}

fn pairs_to_js(pairs: &[(String, String)]) -> JsValue {
    pairs
        .iter()
        .map(|(k, v)| Array::of2(&k.into(), &v.into()))
        .collect::<Array>()
        .into()
}

/// A setup closure's error as the driver reports it: an `Error` whose
/// message the error event quotes.
fn setup_error(error: SetupError) -> JsValue {
    js_sys::Error::new(error.message()).into()
}

/// [`Builder::build`]: check the options, in the JavaScript class's order
/// (the URL first), and start the driver.
pub(super) fn open(builder: Builder) -> Result<Source, BuildError> {
    let url = resolve_url(&builder.url)?;
    let custom_headers = !builder.headers.is_empty() || builder.headers_fn.is_some();
    // Each option's rule and wording come from src/rules.json, as the
    // JavaScript class's do.
    let method = builder
        .method
        .unwrap_or_else(|| String::from(options::DEFAULT_METHOD));
    if !options::is_method_token(&method) {
        return Err(refused(&options::METHOD));
    }
    if builder.body.is_some() && !options::allows_body(&method) {
        return Err(option_error(options::BODY.rust, options::BODY_WITHOUT_BODY));
    }
    let headers = web_sys::Headers::new().map_err(|e| option_error("header", js_text(&e)))?;
    for (name, value) in &builder.headers {
        headers.append(name, value).map_err(|e| {
            option_error(
                options::HEADER.rust,
                format!("valid request headers ({})", js_text(&e)),
            )
        })?;
    }
    let mut config = builder.config;
    if !options::is_event_id(&config.last_event_id) {
        return Err(refused(&options::LAST_EVENT_ID));
    }
    if builder.id_param.as_deref() == Some("") {
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
    check(&options::QUEUE_CAPACITY, builder.queue_capacity as f64)?;

    let mut request = RequestSpec::new(url.clone());
    request.method = method;
    let fixed = builder.headers;
    request.headers = match builder.headers_fn {
        None if fixed.is_empty() => PerAttempt::NONE,
        None => PerAttempt::Js(pairs_to_js(&fixed)),
        Some(f) => {
            let fixed: Rc<[(String, String)]> = fixed.into();
            let compute: Compute = Rc::new(move || {
                let (fixed, pending) = (fixed.clone(), f());
                Box::pin(async move {
                    let more = pending.await.map_err(setup_error)?;
                    let all: Pairs = fixed.iter().cloned().chain(more).collect();
                    Ok(pairs_to_js(&all))
                })
            });
            PerAttempt::Rust(compute)
        }
    };
    request.body = match builder.body {
        None => PerAttempt::NONE,
        Some(Dynamic::Fixed(body)) => PerAttempt::Js(body.to_js()),
        Some(Dynamic::Computed(f)) => PerAttempt::Rust(Rc::new(move || {
            let pending = f();
            Box::pin(async move { Ok(pending.await.map_err(setup_error)?.to_js()) })
        })),
    };
    config.credentials = options::credentials_mode(builder.with_credentials, builder.credentials);
    config.last_event_id_query_param = builder.id_param;
    config.custom_fetch = builder.fetch.is_some();
    config.close_on_end = options::closes_on_end(
        builder.stream_end.map(StreamEnd::index),
        options::allows_body(&request.method),
    );
    config.refuse_redirects =
        options::refuses_redirects(builder.redirect.map(Redirect::index), custom_headers);
    request.fetch = builder.fetch;

    let receiver = Receiver::new(builder.queue_capacity);
    let mut machine =
        ReconnectState::new(config, browser::platform(), Box::new(js_sys::Math::random));
    if browser::offline() {
        machine.on_page(PageEvent::Offline, 0.0);
    }
    let engine = browser::Engine::start(machine, request, receiver.clone());
    Ok(Source {
        engine,
        receiver,
        url,
        with_credentials: builder.with_credentials,
    })
}

/// [`EventSource::from_readable_stream`](super::EventSource::from_readable_stream).
pub(super) fn open_stream(stream: &web_sys::ReadableStream) -> Result<Source, BuildError> {
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
    let machine = ReconnectState::new(config, browser::platform(), Box::new(js_sys::Math::random));
    let engine = browser::Engine::start_stream(machine, reader, receiver.clone());
    Ok(Source {
        engine,
        receiver,
        url: String::from(STREAM_URL),
        with_credentials: false,
    })
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

/// An open source: the driver's engine and the queue it reports to.
pub(super) struct Source {
    engine: browser::Engine,
    receiver: Rc<Receiver>,
    url: String,
    with_credentials: bool,
}

impl Source {
    pub(super) fn url(&self) -> &str {
        &self.url
    }

    pub(super) fn with_credentials(&self) -> bool {
        self.with_credentials
    }

    pub(super) fn ready_state(&self) -> ReadyState {
        self.engine.ready_state()
    }

    pub(super) fn last_event_id(&self) -> String {
        self.engine.last_event_id()
    }

    /// In ms.
    pub(super) fn reconnection_time(&self) -> f64 {
        self.engine.reconnection_time()
    }

    pub(super) fn reset(&self) {
        self.engine.reset();
    }

    pub(super) fn close(&self) {
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

    pub(super) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<SourceEvent>> {
        let mut queue = self.receiver.0.borrow_mut();
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
            self.receiver.release();
        }
        Poll::Ready(Some(item))
    }

    pub(super) fn size_hint(&self) -> (usize, Option<usize>) {
        (self.receiver.0.borrow().items.len(), None)
    }

    pub(super) fn is_terminated(&self) -> bool {
        let queue = self.receiver.0.borrow();
        queue.ended && queue.items.is_empty()
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        self.close();
    }
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
