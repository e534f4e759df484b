//! The Rust driver: the I/O of the Rust API's sources. `fetch` with an
//! `AbortController`, the `ReadableStream` reader loop that feeds the
//! machine, the one timer a source needs (gloo-timers), the CORS probe,
//! `window.stop()`, and the calls that hand the front end its events
//! ([HTML § 9.2](https://html.spec.whatwg.org/multipage/server-sent-events.html)).
//!
//! It carries out what [`ReconnectState`] decides and decides nothing about
//! the protocol itself: the npm package's JavaScript driver
//! (`pkg-template/driver.js`) does the same for the JavaScript class, and the
//! scenario table (`tests/scenarios.json`) runs against both. It reports to a
//! [`Frontend`], the Rust API's receiver.
//!
//! Ownership: a source's state is held strongly by its front end's
//! [`Engine`] handle and by a running fetch task only. Timer closures hold
//! it weakly, so closing (which aborts the fetch and drops the timer) leaves
//! nothing that keeps a closed source reachable.

mod request;

use alloc::rc::{Rc, Weak};
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use core::sync::atomic::{AtomicU32, Ordering};

use gloo_timers::callback::Timeout;
use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{
    AbortController, ReadableStreamDefaultReader, RequestCache, RequestCredentials, RequestInit,
    RequestMode, Response,
};

use crate::error::{ErrorEvent, NOT_BYTES, NOT_RESPONSE};
use crate::http::HeaderEncoding;
use crate::parser::Batch;
use crate::reconnect::{self, Action, PageEvent, Platform, ReadyState, ReconnectState};
pub(crate) use request::{Compute, PerAttempt, RequestSpec};

/// What a front end (the Rust API) is told. Calls happen with no borrow of
/// the engine held, so a front end may call back into it (`close()`).
pub(crate) trait Frontend {
    /// The ready state is OPEN: fire `open`. `origin` is that of every
    /// message until the next open.
    fn open(&self, origin: &str);

    /// The events of one chunk, in order. A returned promise makes the
    /// engine stop reading the body until it settles (the consumer is
    /// behind).
    fn events(&self, batch: &Batch) -> Option<Promise>;

    /// Fire `error`. The ready state is now CONNECTING when
    /// `error.will_retry`, else CLOSED.
    fn error(&self, error: &ErrorEvent);
}

/// `{ done, value }` from `ReadableStreamDefaultReader.read()`.
#[wasm_bindgen]
extern "C" {
    type ReadResult;
    #[wasm_bindgen(method, getter)]
    fn done(this: &ReadResult) -> bool;
    #[wasm_bindgen(method, getter)]
    fn value(this: &ReadResult) -> JsValue;
}

/// wasm32 without threads: the atomic is a plain load and store.
static LIVE: AtomicU32 = AtomicU32::new(0);

/// `globalThis.a.b...` along `path`, if each step is an object (the global
/// of a window, a worker or a server runtime may lack any of them).
pub(crate) fn global_get(path: &[&str]) -> Option<JsValue> {
    let mut value: JsValue = js_sys::global().into();
    for key in path {
        if !value.is_object() {
            return None;
        }
        value = js_sys::Reflect::get(&value, &JsValue::from_str(key)).ok()?;
    }
    Some(value)
}

fn global_string(path: &[&str]) -> Option<String> {
    global_get(path).and_then(|v| v.as_string())
}

thread_local! {
    /// A promise handler that does nothing, for rejections that need none.
    static IGNORE: Closure<dyn FnMut(JsValue)> = Closure::new(|_: JsValue| {});
    /// Every source's state, weakly: what `window.stop()` and the page's
    /// life must tell.
    static SOURCES: RefCell<Vec<Weak<RefCell<Inner>>>> = const { RefCell::new(Vec::new()) };
    static HOOKED: Cell<bool> = const { Cell::new(false) };
}

/// What the machine needs to know about this page or worker.
pub(crate) fn platform() -> Platform {
    Platform {
        page_origin: global_string(&["location", "origin"]),
        header_encoding: HeaderEncoding::for_user_agent(
            &global_string(&["navigator", "userAgent"]).unwrap_or_default(),
        ),
    }
}

/// How many sources' engine states exist right now, closed or not: a
/// closed source whose state outlives it is a leak.
pub fn live_engines() -> u32 {
    LIVE.load(Ordering::Relaxed)
}

/// One source's engine state.
struct Inner {
    machine: ReconnectState,
    request: RequestSpec,
    frontend: Rc<dyn Frontend>,
    abort: Option<AbortController>,
    /// The body being read: cancelled on close (a supplied stream has no
    /// fetch to abort).
    reader: Option<ReadableStreamDefaultReader>,
    timer: Option<Timeout>,
    /// The URL of the last fetch, which a CORS probe asks for again.
    fetched: String,
    batch: Batch,
    chunk: Vec<u8>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A source's engine state, shared by the handle and the fetch task.
type Shared = Rc<RefCell<Inner>>;

/// A front end's handle on one source's engine. Dropping it closes the
/// source. The state lives as long as the handle or a running fetch task;
/// timers hold it weakly, so a closed source leaves nothing behind.
pub(crate) struct Engine {
    shared: Shared,
}

impl Engine {
    fn state(machine: ReconnectState, request: RequestSpec, frontend: Rc<dyn Frontend>) -> Shared {
        LIVE.fetch_add(1, Ordering::Relaxed);
        Rc::new(RefCell::new(Inner {
            machine,
            request,
            frontend,
            abort: None,
            reader: None,
            timer: None,
            fetched: String::new(),
            batch: Batch::new(),
            chunk: Vec::new(),
        }))
    }

    /// Create a source's engine and start connecting in a microtask (events
    /// can only be observed once the front end's constructor has returned).
    pub(crate) fn start(
        machine: ReconnectState,
        request: RequestSpec,
        frontend: Rc<dyn Frontend>,
    ) -> Engine {
        let shared = Engine::state(machine, request, frontend);
        let weak = Rc::downgrade(&shared);
        SOURCES.with(|sources| {
            let mut sources = sources.borrow_mut();
            sources.retain(|s| s.strong_count() > 0);
            sources.push(weak.clone());
        });
        hook_lifecycle();
        spawn_local(async move {
            if let Some(shared) = weak.upgrade() {
                let action = {
                    let mut inner = shared.borrow_mut();
                    let url = inner.request.url.clone();
                    inner.machine.connect(now(), &url)
                };
                perform(&shared, action);
            }
        });
        Engine { shared }
    }

    /// A source that reads `stream`, supplied by the app
    /// (`from_readable_stream`), instead of fetching: open in a microtask,
    /// then its chunks, and no reconnection.
    pub(crate) fn start_stream(
        machine: ReconnectState,
        reader: ReadableStreamDefaultReader,
        frontend: Rc<dyn Frontend>,
    ) -> Engine {
        let request = RequestSpec::new(String::from(crate::http::STREAM_URL));
        let shared = Engine::state(machine, request, frontend);
        shared.borrow_mut().reader = Some(reader.clone());
        let task = shared.clone();
        spawn_local(async move {
            let action = task.borrow_mut().machine.connect_stream(now());
            let Action::Open { url } = action else {
                return;
            };
            let frontend = task.borrow().frontend.clone();
            frontend.open(&origin_of(&url));
            let conn = task.borrow().machine.conn();
            if is_live(&task, conn) {
                read_body(&task, conn, reader).await;
            }
        });
        Engine { shared }
    }

    /// `close()`: abort the fetch, drop the timer, set CLOSED. Fires nothing.
    pub(crate) fn close(&self) {
        let (abort, reader, timer) = {
            let mut inner = self.shared.borrow_mut();
            inner.machine.close();
            (inner.abort.take(), inner.reader.take(), inner.timer.take())
        };
        drop(timer);
        if let Some(controller) = abort {
            controller.abort();
        } else if let Some(reader) = reader {
            // A supplied stream: cancel it, which also ends a pending read.
            // The promise may reject (the stream errored): nothing to do.
            let cancelled = reader.cancel();
            IGNORE.with(|ignore| {
                let _ = cancelled.catch(ignore);
            });
        }
    }

    /// `reset()`: discard buffered, incomplete input.
    pub(crate) fn reset(&self) {
        self.shared.borrow_mut().machine.reset();
    }

    /// The ready state.
    pub(crate) fn ready_state(&self) -> ReadyState {
        self.shared.borrow().machine.ready_state()
    }

    /// The reconnection time (ms): the initial delay until `retry:` sets it.
    pub(crate) fn reconnection_time(&self) -> f64 {
        self.shared.borrow().machine.reconnection_time()
    }

    /// The last event id the next request would send.
    pub(crate) fn last_event_id(&self) -> String {
        String::from(self.shared.borrow().machine.last_event_id())
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.close();
    }
}

#[wasm_bindgen]
extern "C" {
    /// The monotonic clock every duration is measured on: a wall clock
    /// (`Date.now()`) can jump.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn now() -> f64;
}

/// Every live source's machine hears `event`, and its action is carried out.
fn tell(event: PageEvent) {
    let sources: Vec<Shared> =
        SOURCES.with(|s| s.borrow().iter().filter_map(Weak::upgrade).collect());
    let now = now();
    for shared in sources {
        let action = shared.borrow_mut().machine.on_page(event, now);
        perform(&shared, action);
    }
}

/// `target.addEventListener(kind, listener)`, for the page's life; the
/// listener lives as long as the page.
fn listen(target: &JsValue, kind: &str, listener: impl Fn(JsValue) + 'static) {
    let Ok(add) = js_sys::Reflect::get(target, &JsValue::from_str("addEventListener"))
        .and_then(|f| f.dyn_into::<js_sys::Function>())
    else {
        return;
    };
    let closure = Closure::<dyn Fn(JsValue)>::new(listener);
    let _ = add.call2(target, &JsValue::from_str(kind), closure.as_ref());
    closure.forget();
}

/// Whether an event's `persisted` is true (`pagehide`, `pageshow`).
fn persisted(event: &JsValue) -> bool {
    js_sys::Reflect::get(event, &JsValue::from_str("persisted"))
        .ok()
        .and_then(|p| p.as_bool())
        .unwrap_or(false)
}

/// What the page's life does to its sources, hooked once, by the first
/// source:
///
/// - [spec] `window.stop()` aborts the document's fetches, and a native
///   EventSource with a fetch in flight is closed with an `error` event. A
///   fetch stopped that way rejects (or errors its body) with the same
///   `TypeError` as a network failure, which would make ours reconnect: so
///   `window.stop` is wrapped to tell every source's machine first, then
///   stop.
/// - The back/forward cache (whatwg/html#12381, proposed): entering it
///   (`pagehide` with `persisted`, or `freeze`) lets every connection go
///   without an error; coming back (`pageshow` with `persisted`, or
///   `resume`) reconnects at once. WebKit cuts the connections of a page
///   going into the cache right after `beforeunload`, before `pagehide`:
///   so `beforeunload` opens a short grace in which a failed connection is
///   let go the same way.
/// - `online` and `offline`, in windows and workers.
fn hook_lifecycle() {
    if HOOKED.with(|hooked| hooked.replace(true)) {
        return;
    }
    let global: JsValue = js_sys::global().into();
    if let Some(original) = global_get(&["document"])
        .filter(JsValue::is_object)
        .and_then(|_| global_get(&["stop"]))
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    {
        let hook = Closure::<dyn Fn() -> JsValue>::new(move || {
            tell(PageEvent::Stop);
            original
                .call0(&js_sys::global())
                .unwrap_or(JsValue::UNDEFINED)
        });
        let _ = js_sys::Reflect::set(&global, &JsValue::from_str("stop"), hook.as_ref());
        // Lives as long as the page.
        hook.forget();
    }
    listen(&global, "beforeunload", |_| tell(PageEvent::Leaving));
    listen(&global, "pagehide", |e| {
        if persisted(&e) {
            tell(PageEvent::Freeze);
        }
    });
    listen(&global, "pageshow", |e| {
        if persisted(&e) {
            tell(PageEvent::Thaw);
        }
    });
    if let Some(document) = global_get(&["document"]).filter(JsValue::is_object) {
        listen(&document, "freeze", |_| tell(PageEvent::Freeze));
        listen(&document, "resume", |_| tell(PageEvent::Thaw));
    }
    listen(&global, "offline", |_| tell(PageEvent::Offline));
    listen(&global, "online", |_| tell(PageEvent::Online));
}

/// Whether the browser says it is offline.
pub(crate) fn offline() -> bool {
    global_get(&["navigator", "onLine"]).and_then(|v| v.as_bool()) == Some(false)
}

/// Carry out one action. Borrows are released before any call into the
/// front end, because it may call back in (`close()`).
fn perform(shared: &Shared, action: Action) {
    match action {
        // Open is fired by the fetch task, which reads the body next.
        Action::None | Action::Open { .. } => {}
        Action::Fetch(request) => {
            if let Some(ms) = request.timer {
                arm_timer(shared, ms);
            }
            spawn_local(run_fetch(shared.clone(), request));
        }
        Action::Probe => {
            let (conn, url) = {
                let inner = shared.borrow();
                (inner.machine.conn(), inner.fetched.clone())
            };
            spawn_local(probe(shared.clone(), conn, url));
        }
        Action::Timer(ms) => arm_timer(shared, ms),
        Action::Retry(failure) => {
            abort_fetch(shared);
            // Armed before the event fires, so a close() from it cancels it.
            arm_timer(shared, failure.info.retry_delay.unwrap_or(0) as f64);
            fire_error(shared, &failure.event());
        }
        Action::Fail(failure) => {
            abort_fetch(shared);
            shared.borrow_mut().timer = None;
            fire_error(shared, &failure.event());
        }
        // The connection is let go (the back/forward cache): no error.
        Action::Abort => {
            abort_fetch(shared);
            shared.borrow_mut().timer = None;
        }
    }
}

fn fire_error(shared: &Shared, error: &ErrorEvent) {
    let frontend = shared.borrow().frontend.clone();
    frontend.error(error);
}

fn abort_fetch(shared: &Shared) {
    let controller = shared.borrow_mut().abort.take();
    if let Some(controller) = controller {
        controller.abort();
    }
}

fn arm_timer(shared: &Shared, ms: f64) {
    let weak: Weak<RefCell<Inner>> = Rc::downgrade(shared);
    // The machine keeps delays within `setTimeout`'s 32-bit range.
    let timeout = Timeout::new(ms.max(0.0) as u32, move || {
        if let Some(shared) = weak.upgrade() {
            let action = {
                let mut inner = shared.borrow_mut();
                inner.timer = None;
                inner.machine.on_timer(now())
            };
            perform(&shared, action);
        }
    });
    // Replacing a pending Timeout cancels it.
    shared.borrow_mut().timer = Some(timeout);
}

/// Whether `conn` is still the live connection of an open source.
fn is_live(shared: &Shared, conn: u32) -> bool {
    let inner = shared.borrow();
    inner.machine.conn() == conn && inner.machine.ready_state() != ReadyState::Closed
}

/// The origin of the URL the machine's `Open` names, serialized by the
/// platform's URL parser.
fn origin_of(url: &str) -> String {
    web_sys::Url::new(url).map_or_else(|_| String::from("null"), |u| u.origin())
}

fn js_message(err: &JsValue) -> String {
    js_sys::Reflect::get(err, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| err.as_string())
        .unwrap_or_default()
}

/// Whether `err` is an `AbortError`.
fn is_abort(err: &JsValue) -> bool {
    js_sys::Reflect::get(err, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string())
        .is_some_and(|n| n == "AbortError")
}

async fn run_fetch(shared: Shared, request: reconnect::Request) {
    let conn = request.conn;
    // Closed between the action and this task's first poll: nothing to abort
    // yet, so make sure nothing starts.
    if !is_live(&shared, conn) {
        return;
    }
    let controller = match AbortController::new() {
        Ok(c) => c,
        Err(e) => return setup_failed(&shared, conn, &e),
    };
    // From here on close() and retries abort this controller.
    shared.borrow_mut().abort = Some(controller.clone());
    let spec = shared.borrow().request.clone();
    let prepared = spec.prepare(&request, &controller.signal()).await;
    if !is_live(&shared, conn) {
        controller.abort();
        return;
    }
    let (url, promise) = match prepared {
        Ok(p) => p,
        Err(e) => return setup_failed(&shared, conn, &e),
    };
    shared.borrow_mut().fetched = url;
    let response = JsFuture::from(promise).await;
    if !is_live(&shared, conn) {
        controller.abort();
        return;
    }
    let response: Response = match response.map(|r| r.dyn_into::<Response>()) {
        Ok(Ok(r)) => r,
        // Only a custom fetch can get here: a mistake in the app, said as such.
        Ok(Err(other)) => {
            let detail = NOT_RESPONSE.replace("{type}", &kind(&other));
            let action = shared.borrow_mut().machine.on_setup_error(conn, &detail);
            return perform(&shared, action);
        }
        Err(e) => {
            let action = shared.borrow_mut().machine.on_fetch_error(
                now(),
                conn,
                is_abort(&e),
                &js_message(&e),
            );
            return perform(&shared, action);
        }
    };
    let headers = response.headers();
    let content_type = headers.get("content-type").ok().flatten();
    let retry_after = headers.get("retry-after").ok().flatten();
    let url = response.url();
    let opaque_redirect = response.type_() == web_sys::ResponseType::Opaqueredirect;
    let action = shared.borrow_mut().machine.on_response(
        now(),
        js_sys::Date::now(),
        conn,
        &reconnect::Response {
            status: response.status(),
            url: &url,
            content_type: content_type.as_deref(),
            retry_after: retry_after.as_deref(),
            opaque_redirect,
        },
    );
    let Action::Open { url } = action else {
        return perform(&shared, action);
    };
    let frontend = shared.borrow().frontend.clone();
    frontend.open(&origin_of(&url));
    if !is_live(&shared, conn) {
        return;
    }
    match response.body() {
        Some(body) => read_body(&shared, conn, body.get_reader().unchecked_into()).await,
        None => {
            let action = shared.borrow_mut().machine.on_body_end(conn);
            perform(&shared, action);
        }
    }
}

/// What a value is, for an error's words: "a string", "null", "an ArrayBuffer".
fn kind(value: &JsValue) -> String {
    let name = if value.is_null() {
        String::from("null")
    } else if value.is_object() {
        js_sys::Reflect::get(value, &JsValue::from_str("constructor"))
            .and_then(|c| js_sys::Reflect::get(&c, &JsValue::from_str("name")))
            .ok()
            .and_then(|n| n.as_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| String::from("Object"))
    } else {
        value.js_typeof().as_string().unwrap_or_default()
    };
    if name == "null" || name == "undefined" {
        return name;
    }
    let vowel = name.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']);
    alloc::format!("{} {name}", if vowel { "an" } else { "a" })
}

fn setup_failed(shared: &Shared, conn: u32, err: &JsValue) {
    let action = shared
        .borrow_mut()
        .machine
        .on_setup_error(conn, &js_message(err));
    perform(shared, action);
}

/// The CORS probe ([`Action::Probe`]): a `no-cors` `HEAD` of `url`, whose
/// fetch failed; an answer, even opaque, means the server is there. It
/// runs on this failure path only, and is aborted once answered. (In a
/// `COEP: require-corp` page the probe itself needs the server's
/// `Cross-Origin-Resource-Policy`; without it a CORS refusal still looks
/// like the network.)
async fn probe(shared: Shared, conn: u32, url: String) {
    let answered = match AbortController::new() {
        Ok(controller) => {
            let init = RequestInit::new();
            init.set_method("HEAD");
            init.set_mode(RequestMode::NoCors);
            // Reachability needs no cookies, and without them the probe
            // also works in a `COEP: credentialless` page.
            init.set_credentials(RequestCredentials::Omit);
            init.set_cache(RequestCache::NoStore);
            init.set_signal(Some(&controller.signal()));
            let answered = JsFuture::from(request::fetch(&url, &init)).await.is_ok();
            controller.abort();
            answered
        }
        Err(_) => false,
    };
    let action = shared.borrow_mut().machine.on_probe(conn, answered);
    perform(&shared, action);
}

async fn read_body(shared: &Shared, conn: u32, reader: ReadableStreamDefaultReader) {
    loop {
        let result = JsFuture::from(reader.read()).await;
        if !is_live(shared, conn) {
            return;
        }
        let result: ReadResult = match result {
            Ok(r) => r.unchecked_into(),
            Err(e) => {
                let action = shared.borrow_mut().machine.on_body_error(
                    now(),
                    conn,
                    is_abort(&e),
                    &js_message(&e),
                );
                return perform(shared, action);
            }
        };
        if result.done() {
            let action = shared.borrow_mut().machine.on_body_end(conn);
            return perform(shared, action);
        }
        let value: Uint8Array = match result.value().dyn_into() {
            Ok(v) => v,
            Err(other) => {
                // Never a silent end: the stream is cancelled, and the source
                // fails (a supplied stream) or reconnects (a custom fetch's
                // body). The Fetch and Streams standards' read loops take
                // nothing but a Uint8Array either.
                let detail = NOT_BYTES.replace("{type}", &kind(&other));
                let _ = reader.cancel_with_reason(&js_sys::TypeError::new(&detail));
                let action = shared
                    .borrow_mut()
                    .machine
                    .on_body_error(now(), conn, false, &detail);
                return perform(shared, action);
            }
        };
        let batch = {
            let mut guard = shared.borrow_mut();
            let inner = &mut *guard;
            let len = value.length() as usize;
            inner.chunk.resize(len, 0);
            value.copy_to(&mut inner.chunk[..len]);
            let mut batch = core::mem::take(&mut inner.batch);
            inner
                .machine
                .on_body(now(), conn, &inner.chunk[..len], &mut batch);
            batch
        };
        // Events received before an overflow are dispatched before it fails.
        if !batch.is_empty() {
            let frontend = shared.borrow().frontend.clone();
            if let Some(promise) = frontend.events(&batch) {
                // Not reading while the front end waits: silence now is not
                // the server's.
                shared.borrow_mut().machine.suspend();
                // Rejections are the front end's.
                let _ = JsFuture::from(promise).await;
                shared.borrow_mut().machine.resume(now());
            }
        }
        let mut batch = batch;
        batch.clear();
        let action = {
            let mut inner = shared.borrow_mut();
            inner.batch = batch;
            inner.machine.on_delivered(conn)
        };
        // What the chunk decided (an overflow fails the connection), now
        // that its events are delivered; nothing if the app closed it.
        if action != Action::None {
            return perform(shared, action);
        }
        if !is_live(shared, conn) {
            return;
        }
    }
}
