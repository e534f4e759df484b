//! Builds the fetch of each connection attempt: the standard request
//! (GET, `Accept: text/event-stream`, `cache: no-store`, `mode: cors`,
//! credentials from `withCredentials`, redirects followed, `Last-Event-ID`
//! on reconnects) plus the front ends' extensions, whose functions are
//! called again before every attempt so refreshed tokens reach reconnects.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use core::future::Future;
use core::pin::Pin;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, Headers, RequestCache, RequestCredentials, RequestInit, RequestMode,
    RequestRedirect,
};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` (of a window, a worker, or a server runtime).
    #[wasm_bindgen(js_name = fetch)]
    pub(crate) fn fetch(input: &str, init: &RequestInit) -> Promise;
}

/// A Rust closure that computes a value before every attempt.
pub(crate) type Compute = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>>;

/// A request part (headers or body) that may be recomputed per attempt.
#[derive(Clone)]
pub(crate) enum PerAttempt {
    /// From JavaScript: `undefined` (none), a value, or a function that
    /// returns one (or a promise of one), called before every attempt.
    Js(JsValue),
    /// From the Rust API: a closure called before every attempt.
    Rust(Compute),
}

impl PerAttempt {
    /// Nothing: no extra headers, no body.
    pub(crate) const NONE: PerAttempt = PerAttempt::Js(JsValue::UNDEFINED);

    /// This attempt's value.
    async fn get(&self) -> Result<JsValue, JsValue> {
        match self {
            PerAttempt::Js(value) => match value.dyn_ref::<Function>() {
                Some(f) => JsFuture::from(Promise::resolve(&f.call0(&JsValue::UNDEFINED)?)).await,
                None => Ok(value.clone()),
            },
            PerAttempt::Rust(compute) => compute().await,
        }
    }
}

/// Everything needed to make the request of one attempt.
#[derive(Clone)]
pub(crate) struct RequestSpec {
    /// The resolved URL (`EventSource.url`).
    pub url: String,
    /// HTTP method.
    pub method: String,
    /// Anything `new Headers(init)` accepts, per attempt.
    pub headers: PerAttempt,
    /// A fetch body (or undefined), per attempt.
    pub body: PerAttempt,
    /// The request's credentials mode.
    pub credentials: RequestCredentials,
    /// Also send the last event id in this query parameter.
    pub id_param: Option<String>,
    /// A custom fetch, called as `fetch(url, init)`.
    pub fetch: Option<Function>,
}

impl RequestSpec {
    /// The standard's request for `url`: `GET`, no extra headers, no body,
    /// credentials `same-origin` (`withCredentials` false), the global fetch.
    pub fn new(url: String) -> RequestSpec {
        RequestSpec {
            url,
            method: String::from("GET"),
            headers: PerAttempt::NONE,
            body: PerAttempt::NONE,
            credentials: RequestCredentials::SameOrigin,
            id_param: None,
            fetch: None,
        }
    }
}

/// A JS string whose code units are the UTF-8 bytes of `s`: `Headers`
/// takes byte strings, so the id goes out UTF-8 encoded.
fn byte_string(s: &str) -> String {
    s.bytes().map(char::from).collect()
}

impl RequestSpec {
    /// Prepare and start this attempt's fetch. Returns the URL requested
    /// and the fetch promise.
    pub async fn prepare(
        &self,
        last_event_id: &str,
        signal: &AbortSignal,
    ) -> Result<(String, Promise), JsValue> {
        let init = self.headers.get().await?;
        // Every `Headers::new_with_*` binding is `new Headers(init)`; this
        // one takes any init the constructor accepts (record, pairs, Headers).
        let headers = if init.is_undefined() || init.is_null() {
            Headers::new()?
        } else {
            Headers::new_with_str_sequence_sequence(&init)?
        };
        if !headers.has("accept")? {
            headers.set("Accept", "text/event-stream")?;
        }
        if !last_event_id.is_empty() {
            // [spec] Reconnects send Last-Event-ID when the id is not empty.
            headers.set("Last-Event-ID", &byte_string(last_event_id))?;
        }
        let url = match &self.id_param {
            Some(name) if !last_event_id.is_empty() => {
                let url = web_sys::Url::new(&self.url)?;
                url.search_params().set(name, last_event_id);
                url.href()
            }
            _ => self.url.clone(),
        };
        let init = RequestInit::new();
        init.set_method(&self.method);
        init.set_headers(&headers);
        let body = self.body.get().await?;
        if !body.is_undefined() && !body.is_null() {
            init.set_body(&body);
        }
        init.set_mode(RequestMode::Cors);
        init.set_credentials(self.credentials);
        init.set_cache(RequestCache::NoStore);
        init.set_redirect(RequestRedirect::Follow);
        init.set_signal(Some(signal));
        let promise = match &self.fetch {
            Some(f) => {
                Promise::resolve(&f.call2(&JsValue::UNDEFINED, &JsValue::from_str(&url), &init)?)
            }
            None => fetch(&url, &init),
        };
        Ok((url, promise))
    }
}
