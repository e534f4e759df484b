//! The `#[wasm_bindgen]` surface of the JavaScript facade
//! (`pkg-template/facade.js`): the one typed translation between the
//! facade and the engine. Options come in as the user gave them (a missing
//! option is `None`, and its default is the engine's: [`Config::default`],
//! [`RequestSpec::new`]); an error goes out as one object whose fields are
//! [`ErrorEvent`]'s.
//!
//! Built only with the `js-api` feature (the npm package's build), so a
//! Rust app that depends on the crate does not export these to its own
//! JavaScript glue. Rust code uses [`crate::EventSource`] instead.

use alloc::rc::Rc;
use alloc::string::String;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ReadableStreamDefaultReader, RequestCredentials};

use crate::browser::{self, Frontend, PerAttempt, RequestSpec};
use crate::error::overflow_message;
use crate::error::ErrorEvent;
use crate::parser::Batch;
use crate::parser::{EventParser, Feed, DEFAULT_MAX_BUFFER_SIZE};
use crate::reconnect::{Config, ReconnectState, MAX_DELAY};

#[wasm_bindgen]
extern "C" {
    /// The facade's snapshot of the init dictionary, validated: each field
    /// is what the user gave, or `undefined`.
    pub type Options;
    #[wasm_bindgen(method, getter)]
    fn method(this: &Options) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn headers(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn body(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = withCredentials)]
    fn with_credentials(this: &Options) -> Option<bool>;
    #[wasm_bindgen(method, getter)]
    fn credentials(this: &Options) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = lastEventId)]
    fn last_event_id(this: &Options) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = lastEventIdQueryParam)]
    fn id_param(this: &Options) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = initialDelay)]
    fn initial_delay(this: &Options) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = maxDelay)]
    fn max_delay(this: &Options) -> Option<f64>;
    #[wasm_bindgen(method, getter)]
    fn multiplier(this: &Options) -> Option<f64>;
    /// A boolean or a fraction.
    #[wasm_bindgen(method, getter)]
    fn jitter(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = maxAttempts)]
    fn max_attempts(this: &Options) -> Option<f64>;
    /// An array of statuses, or undefined.
    #[wasm_bindgen(method, getter, js_name = retryOnStatus)]
    fn retry_on_status(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = inactivityTimeout)]
    fn inactivity_timeout(this: &Options) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = maxBufferSize)]
    fn max_buffer_size(this: &Options) -> Option<f64>;
    #[wasm_bindgen(method, getter)]
    fn fetch(this: &Options) -> Option<Function>;

    /// The facade's receiver of engine notifications (a plain JS object).
    #[derive(Clone)]
    pub type Sink;
    /// The ready state is OPEN; `origin` is that of the messages to come.
    #[wasm_bindgen(method)]
    fn open(this: &Sink, origin: &str);
    /// Dispatch the events of one chunk, packed as `data\rtype\rid\r`...
    /// ([`Batch::packed`]). Returns a promise when the facade yields
    /// between events, or undefined.
    #[wasm_bindgen(method)]
    fn events(this: &Sink, packed: &str) -> JsValue;
    /// Fire `error` with these properties: `reason`, `status` (when there
    /// was a response), `willRetry`, `retryDelay` (when `willRetry`),
    /// `attempt`, `message`.
    #[wasm_bindgen(method)]
    fn error(this: &Sink, error: &Object);
}

impl Options {
    /// The engine's configuration: the defaults, overridden by what was given.
    fn config(&self) -> Config {
        let mut config = Config::default();
        if let Some(v) = self.initial_delay() {
            config.initial_delay = v;
        }
        if let Some(v) = self.max_delay() {
            config.backoff.max_delay = v.min(MAX_DELAY);
        }
        if let Some(v) = self.multiplier() {
            config.backoff.multiplier = v;
        }
        let jitter = self.jitter();
        if let Some(on) = jitter.as_bool() {
            config.backoff.jitter = if on { 1.0 } else { 0.0 };
        } else if let Some(v) = jitter.as_f64() {
            config.backoff.jitter = v;
        }
        // Infinity (or anything past u32) is "no limit".
        config.max_attempts = self
            .max_attempts()
            .filter(|v| *v <= f64::from(u32::MAX))
            .map(|v| v as u32);
        if let Ok(statuses) = self.retry_on_status().dyn_into::<Array>() {
            config.retry_on_status = statuses
                .iter()
                .filter_map(|v| v.as_f64())
                .map(|v| v as u16)
                .collect();
        }
        config.inactivity_timeout = self.inactivity_timeout();
        if let Some(v) = self.max_buffer_size() {
            config.max_buffer_size = v as usize;
        }
        if let Some(id) = self.last_event_id() {
            config.last_event_id = id;
        }
        config.any_scheme = self.fetch().is_some();
        config
    }

    /// The request of every attempt.
    fn request(&self, url: String) -> RequestSpec {
        let mut request = RequestSpec::new(url);
        if let Some(method) = self.method() {
            request.method = method;
        }
        request.headers = PerAttempt::Js(self.headers());
        request.body = PerAttempt::Js(self.body());
        request.credentials = match self.credentials().as_deref() {
            Some("include") => RequestCredentials::Include,
            Some("omit") => RequestCredentials::Omit,
            Some(_) => RequestCredentials::SameOrigin,
            // [spec] withCredentials true means credentials mode "include".
            None if self.with_credentials() == Some(true) => RequestCredentials::Include,
            None => request.credentials,
        };
        request.id_param = self.id_param();
        request.fetch = self.fetch();
        request
    }
}

impl Frontend for Sink {
    fn open(&self, origin: &str) {
        Sink::open(self, origin);
    }

    fn events(&self, batch: &Batch) -> Option<Promise> {
        Sink::events(self, batch.packed())
            .dyn_into::<Promise>()
            .ok()
    }

    fn error(&self, error: &ErrorEvent) {
        let object = Object::new();
        let set = |key: &str, value: JsValue| {
            let _ = Reflect::set(&object, &JsValue::from_str(key), &value);
        };
        set("reason", error.reason.as_str().into());
        if let Some(status) = error.status {
            set("status", status.into());
        }
        set("willRetry", error.will_retry.into());
        if let Some(delay) = error.retry_delay {
            set("retryDelay", (delay.as_millis() as f64).into());
        }
        set("attempt", error.attempt.into());
        set("message", error.message.as_str().into());
        Sink::error(self, &object);
    }
}

/// One source's connection engine. Created by the facade's constructor;
/// it starts connecting in a microtask. `free()` closes it.
#[wasm_bindgen]
pub struct Engine {
    engine: browser::Engine,
}

#[wasm_bindgen]
impl Engine {
    /// `url` must already be resolved and serialized, `options` validated
    /// by the facade.
    #[wasm_bindgen(constructor)]
    pub fn new(url: String, options: &Options, sink: Sink) -> Engine {
        let machine = ReconnectState::new(options.config(), Box::new(js_sys::Math::random));
        Engine {
            engine: browser::Engine::start(machine, options.request(url), Rc::new(sink)),
        }
    }

    /// A source that reads `reader`, of a stream the page supplied
    /// (`EventSource.fromReadableStream()`): no request, no reconnection.
    /// Of `options`, only `maxBufferSize` applies.
    #[wasm_bindgen(js_name = fromStream)]
    pub fn from_stream(
        reader: ReadableStreamDefaultReader,
        options: &Options,
        sink: Sink,
    ) -> Engine {
        let machine = ReconnectState::new(options.config(), Box::new(js_sys::Math::random));
        Engine {
            engine: browser::Engine::start_stream(machine, reader, Rc::new(sink)),
        }
    }

    /// `close()`: abort the fetch (or cancel the stream) and any timer;
    /// nothing more is fired.
    pub fn close(&self) {
        self.engine.close();
    }

    /// `reset()`: discard buffered, incomplete input.
    pub fn reset(&self) {
        self.engine.reset();
    }

    /// The source's last event id (what a reconnection sends).
    #[wasm_bindgen(getter, js_name = lastEventId)]
    pub fn last_event_id(&self) -> String {
        self.engine.last_event_id()
    }

    /// The reconnection time in ms.
    #[wasm_bindgen(getter, js_name = reconnectionTime)]
    pub fn reconnection_time(&self) -> f64 {
        self.engine.reconnection_time()
    }

    /// The reconnection time a source starts with when no option sets it.
    #[wasm_bindgen(js_name = defaultReconnectionTime)]
    pub fn default_reconnection_time() -> f64 {
        Config::default().initial_delay
    }
}

/// The parser alone, behind the facade's `EventStreamParser` (a
/// `TransformStream` from bytes to events): the rules of a source's
/// stream, without a connection.
#[wasm_bindgen]
pub struct StreamParser {
    parser: EventParser,
    batch: Batch,
}

#[wasm_bindgen]
impl StreamParser {
    /// A parser holding at most `max_buffer_size` bytes of incomplete input
    /// (64 MiB when undefined).
    #[wasm_bindgen(constructor)]
    pub fn new(max_buffer_size: Option<f64>) -> StreamParser {
        let max = max_buffer_size.map_or(DEFAULT_MAX_BUFFER_SIZE, |v| v as usize);
        StreamParser {
            parser: EventParser::with_max_buffer_size(max),
            batch: Batch::new(),
        }
    }

    /// Parse a chunk; returns its complete events packed as
    /// `data\rtype\rid\r`... ([`Batch::packed`]). Throws an `Error` when
    /// the incomplete input would exceed the limit (the events before it
    /// are then lost with the stream, which errors).
    pub fn feed(&mut self, chunk: &[u8]) -> Result<JsValue, JsValue> {
        self.batch.clear();
        match self.parser.feed(chunk, &mut self.batch) {
            Feed::Ok => Ok(JsValue::from_str(self.batch.packed())),
            Feed::Overflow => {
                Err(js_sys::Error::new(&overflow_message(self.parser.max_buffer_size())).into())
            }
        }
    }

    /// The last valid `retry:` value (ms) of the last chunk fed, if any.
    #[wasm_bindgen(getter)]
    pub fn retry(&self) -> Option<f64> {
        self.batch.retry().map(|ms| ms as f64)
    }

    /// The stream's last event id.
    #[wasm_bindgen(getter, js_name = lastEventId)]
    pub fn last_event_id(&self) -> String {
        String::from(self.parser.last_event_id())
    }

    /// The end of the stream: an unfinished event is discarded.
    pub fn finish(&mut self) {
        self.parser.finish();
    }
}

/// How many engines exist (not yet freed): lets tests check that closed
/// sources leave nothing behind.
#[wasm_bindgen(js_name = liveEngines)]
pub fn live_engines() -> u32 {
    browser::live_engines()
}
