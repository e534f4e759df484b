//! Builds the fetch of each connection attempt as the machine's
//! [`Request`] says (its `Last-Event-ID`, query parameter and credentials
//! mode), with the standard's request members (`Accept:
//! text/event-stream` unless the app set one, `cache: no-store`, `mode:
//! cors`, redirects followed unless refused) and the app's method, headers
//! and body, whose functions are called again before every attempt so
//! refreshed tokens reach reconnects.

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

use crate::http::{Credentials, ACCEPT};
use crate::reconnect::Request;

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

/// The app's part of every attempt's request.
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
    /// A custom fetch, called as `fetch(url, init)`.
    pub fetch: Option<Function>,
}

impl RequestSpec {
    /// The standard's request for `url`: the default method, no extra
    /// headers, no body, the global fetch.
    pub fn new(url: String) -> RequestSpec {
        RequestSpec {
            url,
            method: String::from(crate::options::DEFAULT_METHOD),
            headers: PerAttempt::NONE,
            body: PerAttempt::NONE,
            fetch: None,
        }
    }

    /// Prepare and start the fetch the machine asked for. Returns the URL
    /// requested and the fetch promise.
    pub async fn prepare(
        &self,
        request: &Request,
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
        // [spec] The request accepts text/event-stream, unless the app
        // asks for something else.
        if !headers.has("accept")? {
            headers.set("Accept", ACCEPT)?;
        }
        if let Some(value) = &request.last_event_id {
            headers.set("Last-Event-ID", value)?;
        }
        let url = match &request.query {
            Some((name, value)) => {
                let url = web_sys::Url::new(&self.url)?;
                url.search_params().set(name, value);
                url.href()
            }
            None => self.url.clone(),
        };
        let init = RequestInit::new();
        init.set_method(&self.method);
        init.set_headers(&headers);
        let body = self.body.get().await?;
        if !body.is_undefined() && !body.is_null() {
            init.set_body(&body);
        }
        init.set_mode(RequestMode::Cors);
        init.set_credentials(match request.credentials {
            Credentials::Omit => RequestCredentials::Omit,
            Credentials::SameOrigin => RequestCredentials::SameOrigin,
            Credentials::Include => RequestCredentials::Include,
        });
        init.set_cache(RequestCache::NoStore);
        init.set_redirect(if request.refuse_redirects {
            RequestRedirect::Manual
        } else {
            RequestRedirect::Follow
        });
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
