//! Helpers shared by the wasm-bindgen-test suites (`tests/web.rs`,
//! `tests/js_api.rs`): the scripted test server's URL and its control API.
#![allow(dead_code)]

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    /// The global `fetch(url, init)`.
    pub fn fetch_with(url: &str, init: &JsValue) -> Promise;
}

/// The test server, e.g. `http://127.0.0.1:41234`.
pub fn server() -> &'static str {
    // Not env!(): clippy and plain builds of the test targets must compile
    // without the server; only running the tests needs it.
    match option_env!("SSE_TEST_SERVER") {
        Some(url) => url,
        None => panic!("run through tests/run-wasm-tests.mjs, which sets SSE_TEST_SERVER"),
    }
}

/// `method path` on the test server; panics unless the status is 2xx.
pub async fn http(method: &str, path: &str, body: Option<&str>) -> String {
    let init = Object::new();
    Reflect::set(&init, &"method".into(), &method.into()).unwrap();
    if let Some(b) = body {
        Reflect::set(&init, &"body".into(), &b.into()).unwrap();
    }
    let url = format!("{}{}", server(), path);
    let resp: web_sys::Response = JsFuture::from(fetch_with(&url, &init))
        .await
        .unwrap()
        .unchecked_into();
    let text = JsFuture::from(resp.text().unwrap()).await.unwrap();
    assert!(resp.ok(), "{method} {path}: {} {text:?}", resp.status());
    text.as_string().unwrap()
}

/// Script `/sse/{name}` in CORS mode `cors`: each element of `responses`
/// is one attempt's JSON.
pub async fn script_cors(name: &str, cors: &str, responses: &str) {
    let body = format!(r#"{{"cors":"{cors}","responses":[{responses}]}}"#);
    http("POST", &format!("/_script/{name}"), Some(&body)).await;
}

/// [`script_cors`] with `Access-Control-Allow-Origin: *`.
pub async fn script(name: &str, responses: &str) {
    script_cors(name, "anonymous", responses).await;
}
