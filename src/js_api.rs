//! The `#[wasm_bindgen]` surface used by the JavaScript facade
//! (`pkg-template/`): thin conversions from the facade's already validated
//! options into [`Config`] and the request description, and a handle whose
//! methods the facade's `EventSource` calls.
//!
//! Rust/wasm front-end developers can use [`Engine`] directly with a sink
//! object of their own (`{ open(origin), events(packed), error(...) }`, see
//! `pkg-template/index.js`), though the facade is the supported API.

use alloc::boxed::Box;
use alloc::string::String;

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::RequestCredentials;

pub use crate::browser::Sink;
use crate::browser::{self, RequestSpec, Shared};
use crate::reconnect::{Backoff, Config, ReconnectState};

#[wasm_bindgen]
extern "C" {
    /// The facade's normalized options object (every field present).
    pub type Options;
    #[wasm_bindgen(method, getter)]
    fn method(this: &Options) -> String;
    #[wasm_bindgen(method, getter)]
    fn headers(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn body(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn credentials(this: &Options) -> String;
    #[wasm_bindgen(method, getter, js_name = lastEventId)]
    fn last_event_id(this: &Options) -> String;
    #[wasm_bindgen(method, getter, js_name = lastEventIdQueryParam)]
    fn id_param(this: &Options) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = initialDelay)]
    fn initial_delay(this: &Options) -> f64;
    #[wasm_bindgen(method, getter, js_name = maxDelay)]
    fn max_delay(this: &Options) -> f64;
    #[wasm_bindgen(method, getter)]
    fn multiplier(this: &Options) -> f64;
    #[wasm_bindgen(method, getter)]
    fn jitter(this: &Options) -> f64;
    #[wasm_bindgen(method, getter, js_name = maxAttempts)]
    fn max_attempts(this: &Options) -> f64;
    #[wasm_bindgen(method, getter, js_name = retryOnStatus)]
    fn retry_on_status(this: &Options) -> Array;
    #[wasm_bindgen(method, getter, js_name = inactivityTimeout)]
    fn inactivity_timeout(this: &Options) -> f64;
    #[wasm_bindgen(method, getter, js_name = maxBufferSize)]
    fn max_buffer_size(this: &Options) -> f64;
    #[wasm_bindgen(method, getter)]
    fn fetch(this: &Options) -> JsValue;
}

/// One source's connection engine. Created by the facade's constructor;
/// it starts connecting in a microtask.
#[wasm_bindgen]
pub struct Engine {
    shared: Shared,
}

#[wasm_bindgen]
impl Engine {
    /// `url` must already be resolved and serialized; `options` normalized
    /// by the facade (see `normalize()` in `pkg-template/index.js`).
    #[wasm_bindgen(constructor)]
    pub fn new(url: String, options: &Options, sink: Sink) -> Engine {
        let fetch = options.fetch().dyn_into::<Function>().ok();
        let max_attempts = options.max_attempts();
        let inactivity = options.inactivity_timeout();
        let config = Config {
            initial_delay: options.initial_delay(),
            backoff: Backoff {
                multiplier: options.multiplier(),
                max_delay: options.max_delay(),
                jitter: options.jitter(),
            },
            max_attempts: max_attempts.is_finite().then_some(max_attempts as u32),
            retry_on_status: options
                .retry_on_status()
                .iter()
                .filter_map(|v| v.as_f64())
                .map(|v| v as u16)
                .collect(),
            inactivity_timeout: (inactivity > 0.0 && inactivity.is_finite()).then_some(inactivity),
            max_buffer_size: options.max_buffer_size() as usize,
            last_event_id: options.last_event_id(),
            any_scheme: fetch.is_some(),
        };
        let credentials = match options.credentials().as_str() {
            "include" => RequestCredentials::Include,
            "omit" => RequestCredentials::Omit,
            _ => RequestCredentials::SameOrigin,
        };
        let request = RequestSpec {
            url,
            method: options.method(),
            headers: options.headers(),
            body: options.body(),
            credentials,
            id_param: options.id_param(),
            fetch,
        };
        let machine = ReconnectState::new(config, Box::new(js_sys::Math::random));
        Engine {
            shared: browser::start(machine, request, sink),
        }
    }

    /// `close()`: abort the fetch and any timer; nothing more is fired.
    pub fn close(&self) {
        browser::close(&self.shared);
    }

    /// The engine's ready state (0, 1 or 2).
    #[wasm_bindgen(getter, js_name = readyState)]
    pub fn ready_state(&self) -> u8 {
        browser::ready_state(&self.shared) as u8
    }

    /// The last event id the next request would send.
    #[wasm_bindgen(getter, js_name = lastEventId)]
    pub fn last_event_id(&self) -> String {
        browser::last_event_id(&self.shared)
    }
}

/// How many engines exist (not yet freed): lets tests check that closed
/// sources leave nothing behind.
#[wasm_bindgen(js_name = liveEngines)]
pub fn live_engines() -> u32 {
    browser::live_count()
}
