//! The engine: the only code that touches the browser. `fetch` with an
//! `AbortController`, the `ReadableStream` reader loop that feeds the
//! machine, the one timer a source needs (gloo-timers), and the calls that
//! hand a front end its events
//! ([HTML § 9.2](https://html.spec.whatwg.org/multipage/server-sent-events.html)).
//!
//! It carries out what [`ReconnectState`] decides and decides nothing about
//! the protocol itself. It reports to a [`Frontend`]: the JavaScript class
//! (`js_api`) or the Rust API (`event_source`), one engine for both. Per
//! body chunk it crosses into JavaScript a constant number of times: one
//! copy of the chunk into wasm memory and, for the JavaScript front end, one
//! call that hands every event of the chunk over as one string.
//!
//! Ownership: a source's state is held strongly by its front end's
//! [`Engine`] handle and by a running fetch task only. Timer closures hold
//! it weakly, so closing (which aborts the fetch and drops the timer) leaves
//! nothing that keeps a closed source reachable.

mod request;

use alloc::borrow::ToOwned;
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

use crate::error::ErrorEvent;
use crate::parser::Batch;
use crate::reconnect::{parse_retry_after, Action, ReadyState, Reason, ReconnectState};
pub(crate) use request::{Compute, PerAttempt, RequestSpec};

/// What a front end (the JavaScript class, the Rust API) is told. Calls
/// happen with no borrow of the engine held, so a front end may call back
/// into it (`close()` from a listener).
pub(crate) trait Frontend {
    /// The ready state is OPEN: fire `open`. `origin` is the origin of the
    /// response's final URL, that of every message until the next open.
    fn open(&self, origin: &str);

    /// The events of one chunk, in order. A returned promise makes the
    /// engine stop reading the body until it settles (the front end is
    /// yielding between events, or its consumer is behind).
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

/// The URL of a source made from a stream (whatwg/html#12272).
pub(crate) const STREAM_URL: &str = "about:event-stream";

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

thread_local! {
    /// A promise handler that does nothing, for rejections that need none.
    static IGNORE: Closure<dyn FnMut(JsValue)> = Closure::new(|_: JsValue| {});
    /// Every source's state, weakly: what `window.stop()` must cancel.
    static SOURCES: RefCell<Vec<Weak<RefCell<Inner>>>> = const { RefCell::new(Vec::new()) };
    static STOP_HOOKED: Cell<bool> = const { Cell::new(false) };
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
        hook_window_stop();
        spawn_local(async move {
            if let Some(shared) = weak.upgrade() {
                let action = {
                    let mut inner = shared.borrow_mut();
                    let url = inner.request.url.clone();
                    inner.machine.connect(now(), &url)
                };
                perform(&shared, action, "");
            }
        });
        Engine { shared }
    }

    /// A source that reads `stream`, supplied by the page
    /// (`fromReadableStream()`), instead of fetching: open in a microtask,
    /// then its chunks, and no reconnection. Messages have the opaque origin
    /// `"null"`.
    pub(crate) fn start_stream(
        machine: ReconnectState,
        reader: ReadableStreamDefaultReader,
        frontend: Rc<dyn Frontend>,
    ) -> Engine {
        let request = RequestSpec::new(String::from(STREAM_URL));
        let shared = Engine::state(machine, request, frontend);
        shared.borrow_mut().reader = Some(reader.clone());
        let task = shared.clone();
        spawn_local(async move {
            let action = task.borrow_mut().machine.connect_stream(now());
            if action != Action::Open {
                return;
            }
            let frontend = task.borrow().frontend.clone();
            frontend.open("null");
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

    /// The reconnection time (ms): the initial delay until `retry:` sets it.
    pub(crate) fn reconnection_time(&self) -> f64 {
        self.shared.borrow().machine.reconnection_time()
    }

    /// The last event id the next request would send.
    pub(crate) fn last_event_id(&self) -> String {
        self.shared.borrow().machine.last_event_id().to_owned()
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

/// [spec] `window.stop()` aborts the document's fetches, and a native
/// EventSource with a fetch in flight is closed with an `error` event. A
/// fetch stopped that way rejects (or errors its body) with the same
/// `TypeError` as a network failure, which would make ours reconnect: so the
/// first source in a window wraps `window.stop` to fail, first, every source
/// that has a fetch in flight (reason [`Reason::Aborted`]), then stop.
fn hook_window_stop() {
    if STOP_HOOKED.with(|hooked| hooked.replace(true)) {
        return;
    }
    let global = js_sys::global();
    let get = |key: &str| js_sys::Reflect::get(&global, &JsValue::from_str(key)).ok();
    if !get("document").is_some_and(|d| d.is_object()) {
        return;
    }
    let Some(original) = get("stop").and_then(|f| f.dyn_into::<js_sys::Function>().ok()) else {
        return;
    };
    let hook = Closure::<dyn Fn() -> JsValue>::new(move || {
        let sources: Vec<Shared> =
            SOURCES.with(|s| s.borrow().iter().filter_map(Weak::upgrade).collect());
        for shared in sources {
            let action = {
                let mut inner = shared.borrow_mut();
                let conn = inner.machine.conn();
                inner.machine.on_network_error(conn, Reason::Aborted)
            };
            perform(&shared, action, "");
        }
        original
            .call0(&js_sys::global())
            .unwrap_or(JsValue::UNDEFINED)
    });
    let _ = js_sys::Reflect::set(&global, &JsValue::from_str("stop"), hook.as_ref());
    // Lives as long as the page.
    hook.forget();
}

/// Carry out one action. `detail` goes into an error event's message: a
/// content type or an exception message. Borrows are released before any
/// call into a front end, because listeners may call back in (`close()`).
fn perform(shared: &Shared, action: Action, detail: &str) {
    match action {
        // Open is fired by the fetch task, which knows the origin.
        Action::None | Action::Open => {}
        Action::Fetch {
            conn,
            last_event_id,
            timer,
        } => {
            if let Some(ms) = timer {
                arm_timer(shared, ms);
            }
            spawn_local(run_fetch(shared.clone(), conn, last_event_id));
        }
        Action::Timer(ms) => arm_timer(shared, ms),
        Action::Retry(info) => {
            abort_fetch(shared);
            let error = ErrorEvent::new(&info, detail, shared.borrow().machine.config());
            // Armed before the event fires, so a listener's close() cancels it.
            arm_timer(shared, info.retry_delay);
            fire_error(shared, &error);
        }
        Action::Fail(info) => {
            abort_fetch(shared);
            shared.borrow_mut().timer = None;
            let error = ErrorEvent::new(&info, detail, shared.borrow().machine.config());
            fire_error(shared, &error);
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
    // Whole milliseconds, as `ErrorEvent::retry_delay` reports them; the
    // machine keeps delays within `setTimeout`'s 32-bit range.
    let timeout = Timeout::new(ms.max(0.0).round() as u32, move || {
        if let Some(shared) = weak.upgrade() {
            let action = {
                let mut inner = shared.borrow_mut();
                inner.timer = None;
                inner.machine.on_timer(now())
            };
            perform(&shared, action, "");
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

fn js_message(err: &JsValue) -> String {
    js_sys::Reflect::get(err, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| err.as_string())
        .unwrap_or_default()
}

async fn run_fetch(shared: Shared, conn: u32, last_event_id: String) {
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
    let request = shared.borrow().request.clone();
    let prepared = request.prepare(&last_event_id, &controller.signal()).await;
    if !is_live(&shared, conn) {
        controller.abort();
        return;
    }
    let (url, promise) = match prepared {
        Ok(p) => p,
        Err(e) => return setup_failed(&shared, conn, &e),
    };
    let response = JsFuture::from(promise).await;
    if !is_live(&shared, conn) {
        controller.abort();
        return;
    }
    let response: Response = match response.and_then(|r| r.dyn_into::<Response>()) {
        Ok(r) => r,
        Err(e) => {
            let reason = match () {
                _ if is_abort(&e) => Reason::Aborted,
                // A custom fetch rejects for reasons of its own: not probed.
                _ if request.fetch.is_none() && cors_refused(&url).await => Reason::Cors,
                _ => Reason::Network,
            };
            let action = shared.borrow_mut().machine.on_network_error(conn, reason);
            return perform(&shared, action, &js_message(&e));
        }
    };
    let headers = response.headers();
    let content_type = headers.get("content-type").ok().flatten();
    // The one wall-clock reading: an HTTP-date is a wall-clock time.
    let retry_after = headers
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|v| parse_retry_after(&v, js_sys::Date::now()));
    let action = shared.borrow_mut().machine.on_response(
        now(),
        conn,
        response.status(),
        content_type.as_deref(),
        retry_after,
    );
    if action != Action::Open {
        let detail = content_type.unwrap_or_default();
        return perform(&shared, action, &detail);
    }
    let final_url = response.url();
    let origin = origin_of(if final_url.is_empty() {
        &url
    } else {
        &final_url
    });
    let frontend = shared.borrow().frontend.clone();
    frontend.open(&origin);
    if !is_live(&shared, conn) {
        return;
    }
    match response.body() {
        Some(body) => read_body(&shared, conn, body.get_reader().unchecked_into()).await,
        None => {
            let action = shared.borrow_mut().machine.on_body_end(conn);
            perform(&shared, action, "");
        }
    }
}

fn setup_failed(shared: &Shared, conn: u32, err: &JsValue) {
    let action = shared
        .borrow_mut()
        .machine
        .on_network_error(conn, Reason::Setup);
    perform(shared, action, &js_message(err));
}

/// Whether `err` is an `AbortError` (which, once our own aborts are ruled
/// out, means the page stopped the fetch: `window.stop()`).
fn is_abort(err: &JsValue) -> bool {
    js_sys::Reflect::get(err, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string())
        .is_some_and(|n| n == "AbortError")
}

/// After a fetch to `url` failed before a response: was it CORS that
/// refused it, rather than the network?
///
/// [spec] fetch rejects with the same `TypeError` for both, but the
/// standard fails the connection on a CORS failure and reconnects after a
/// network error. Only a cross-origin request from a page or worker can be
/// refused by CORS, and then a `no-cors` `HEAD` of the same URL tells: an
/// opaque response means the server answered (CORS refused the real
/// request, or its preflight), a rejection means the network failed too.
/// It runs on this failure path only, and is aborted once answered. (In a
/// `COEP: require-corp` page the probe itself needs the server's
/// `Cross-Origin-Resource-Policy`; without it a CORS refusal still looks
/// like the network.)
async fn cors_refused(url: &str) -> bool {
    let page_origin = global_get(&["location", "origin"]).and_then(|o| o.as_string());
    match page_origin {
        Some(origin) if origin != "null" && origin != origin_of(url) => {}
        _ => return false,
    }
    let Ok(controller) = AbortController::new() else {
        return false;
    };
    let init = RequestInit::new();
    init.set_method("HEAD");
    init.set_mode(RequestMode::NoCors);
    // Reachability needs no cookies, and without them the probe also works
    // in a `COEP: credentialless` page.
    init.set_credentials(RequestCredentials::Omit);
    init.set_cache(RequestCache::NoStore);
    init.set_signal(Some(&controller.signal()));
    let answered = JsFuture::from(request::fetch(url, &init)).await.is_ok();
    controller.abort();
    answered
}

fn origin_of(url: &str) -> String {
    web_sys::Url::new(url)
        .map(|u| u.origin())
        .unwrap_or_else(|_| "null".to_owned())
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
                let reason = if is_abort(&e) {
                    Reason::Aborted
                } else {
                    Reason::BodyError
                };
                let action = shared.borrow_mut().machine.on_network_error(conn, reason);
                return perform(shared, action, &js_message(&e));
            }
        };
        if result.done() {
            let action = shared.borrow_mut().machine.on_body_end(conn);
            return perform(shared, action, "");
        }
        let value: Uint8Array = match result.value().dyn_into() {
            Ok(v) => v,
            Err(_) => continue,
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
                // Rejections are the front end's; listeners' exceptions
                // were already reported by dispatchEvent.
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
        // that its events are delivered; nothing if a listener closed it.
        if action != Action::None {
            return perform(shared, action, "");
        }
        if !is_live(shared, conn) {
            return;
        }
    }
}
