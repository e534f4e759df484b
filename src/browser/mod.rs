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
use core::cell::RefCell;
use core::sync::atomic::{AtomicU32, Ordering};

use gloo_timers::callback::Timeout;
use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{AbortController, ReadableStreamDefaultReader, Response};

use crate::error::ErrorEvent;
use crate::parser::Batch;
use crate::reconnect::{Action, ReadyState, Reason, ReconnectState};
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
    timer: Option<Timeout>,
    /// The page called `close()` (the machine may also be closed by a failure).
    page_closed: bool,
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
    /// Create a source's engine and start connecting in a microtask (events
    /// can only be observed once the front end's constructor has returned).
    pub(crate) fn start(
        machine: ReconnectState,
        request: RequestSpec,
        frontend: Rc<dyn Frontend>,
    ) -> Engine {
        LIVE.fetch_add(1, Ordering::Relaxed);
        let shared = Rc::new(RefCell::new(Inner {
            machine,
            request,
            frontend,
            abort: None,
            timer: None,
            page_closed: false,
            batch: Batch::new(),
            chunk: Vec::new(),
        }));
        let weak = Rc::downgrade(&shared);
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

    /// `close()`: abort the fetch, drop the timer, set CLOSED. Fires nothing.
    pub(crate) fn close(&self) {
        let (abort, timer) = {
            let mut inner = self.shared.borrow_mut();
            inner.page_closed = true;
            inner.machine.close();
            (inner.abort.take(), inner.timer.take())
        };
        drop(timer);
        if let Some(controller) = abort {
            controller.abort();
        }
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

fn now() -> f64 {
    js_sys::Date::now()
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
            let action = shared
                .borrow_mut()
                .machine
                .on_network_error(conn, Reason::Network);
            return perform(&shared, action, &js_message(&e));
        }
    };
    let headers = response.headers();
    let content_type = headers.get("content-type").ok().flatten();
    let retry_after = headers.get("retry-after").ok().flatten();
    let action = shared.borrow_mut().machine.on_response(
        now(),
        conn,
        response.status(),
        content_type.as_deref(),
        retry_after.as_deref(),
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
                let action = shared
                    .borrow_mut()
                    .machine
                    .on_network_error(conn, Reason::BodyError);
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
        let (action, batch) = {
            let mut guard = shared.borrow_mut();
            let inner = &mut *guard;
            let len = value.length() as usize;
            inner.chunk.resize(len, 0);
            value.copy_to(&mut inner.chunk[..len]);
            let mut batch = core::mem::take(&mut inner.batch);
            let action = inner
                .machine
                .on_body(now(), conn, &inner.chunk[..len], &mut batch);
            (action, batch)
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
        let page_closed = {
            let mut inner = shared.borrow_mut();
            inner.batch = batch;
            inner.page_closed
        };
        // The machine may have failed this connection (overflow) while the
        // page kept it open: carry that out now the events are delivered.
        if action != Action::None && !page_closed {
            return perform(shared, action, "");
        }
        if !is_live(shared, conn) {
            return;
        }
    }
}
