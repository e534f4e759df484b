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

/// The `Last-Event-ID` header value that makes the network stack send the
/// UTF-8 bytes of `id`, or `None` where no header value can.
///
/// `Headers` takes byte strings (characters up to U+00FF). Chromium and
/// Firefox send each character as one byte, so the value is the id's UTF-8
/// bytes, one character per byte. WebKitGTK's network stack (libsoup)
/// UTF-8-encodes every character instead: there the id itself gives the
/// right bytes when all its characters are up to U+00FF, and an id with a
/// character beyond that cannot be sent as a header at all (only the
/// `lastEventIdQueryParam` option carries it).
fn last_event_id_header(id: &str) -> Option<String> {
    if !utf8_encoding_network_stack() {
        return Some(id.bytes().map(char::from).collect());
    }
    id.chars()
        .all(|c| u32::from(c) <= 0xFF)
        .then(|| String::from(id))
}

thread_local! {
    static UTF8_STACK: bool = {
        // WebKit outside Apple's platforms (WebKitGTK, WPE: libsoup). Chromium
        // and Chromium-based browsers name Chrome in their user agent.
        let ua = super::global_get(&["navigator", "userAgent"])
            .and_then(|u| u.as_string())
            .unwrap_or_default();
        // Byte windows, not `str::contains`: its searcher's panic path would
        // link 3 KB of char formatting into the module.
        let has = |needle: &str| {
            ua.as_bytes()
                .windows(needle.len())
                .any(|w| w == needle.as_bytes())
        };
        has("AppleWebKit")
            && !["Chrome/", "Chromium/", "Macintosh", "iPhone", "iPad"]
                .iter()
                .any(|s| has(s))
    };
}

/// Whether this engine's network stack UTF-8-encodes header characters.
fn utf8_encoding_network_stack() -> bool {
    UTF8_STACK.with(|b| *b)
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
            // [spec] Reconnects send Last-Event-ID when the id is not empty,
            // as its UTF-8 bytes.
            if let Some(value) = last_event_id_header(last_event_id) {
                headers.set("Last-Event-ID", &value)?;
            }
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
