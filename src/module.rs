//! The npm package's WebAssembly module: the protocol core (the parser, the
//! machine and every decision of [`crate::http`]) behind a small
//! byte-oriented interface, and nothing else: no async runtime, no timers,
//! no fetch, no `core::fmt`. The package's JavaScript driver
//! (`pkg-template/core.js` and `driver.js`) does the I/O and calls these
//! exports for every decision.
//!
//! The interface is plain numbers, so no bindings generator is needed. Each
//! export has a one-letter name (`#[export_name]`), as a minifier would give
//! it: `pkg-template/core.js` names them back, in one place.
//!
//! - Bytes go in through one input buffer: the driver asks for room with
//!   [`input`], writes the bytes (a body chunk, or UTF-8 text) at the
//!   returned address, and passes their length to the next call.
//! - Numbers come out in ten `f64` registers at [`regs`]. Text comes out as
//!   UTF-8 at the address in register 8, of the length in register 9, valid
//!   until the next call.
//! - A source is a pointer from [`source_new`]; every input of
//!   [`ReconnectState`] is an export that takes it and returns an action
//!   code (`ACTION_*`), whose details are in the registers and the text.
//!
//! The module imports one function, `env.random` (`Math.random`), for
//! jitter. It is built `no_std`, with `lol_alloc`'s free-list allocator (it
//! coalesces freed blocks; 0.4 KB gzipped smaller than `talc` here, and
//! 5 KB smaller than dlmalloc) and a panic handler that traps.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::UnsafeCell;

use crate::error::{overflow_sentence, Failure};
use crate::http::{Credentials, HeaderEncoding};
use crate::options::{self, credentials_mode};
use crate::parser::{Batch, EventParser, Feed};
use crate::reconnect::{Action, Config, PageEvent, Platform, ReconnectState, Response};

// SAFETY: wasm32 without the atomics feature has a single thread.
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// Nothing can be reported from here: the module traps and the driver's call
/// throws a `RuntimeError`.
#[cfg(not(test))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

#[link(wasm_import_module = "env")]
extern "C" {
    /// `Math.random()`.
    fn random() -> f64;
}

/// Action codes: what the driver must do (see [`Action`]).
const ACTION_NONE: u32 = 0;
const ACTION_FETCH: u32 = 1;
const ACTION_OPEN: u32 = 2;
const ACTION_PROBE: u32 = 3;
const ACTION_RETRY: u32 = 4;
const ACTION_FAIL: u32 = 5;
const ACTION_TIMER: u32 = 6;
const ACTION_ABORT: u32 = 7;

/// The buffers shared with the driver.
struct Exchange {
    input: Vec<u8>,
    text: Vec<u8>,
    regs: [f64; 10],
    platform: Platform,
}

/// The module's one instance of [`Exchange`]. WebAssembly here has one
/// thread, and no export calls back into JavaScript while it holds it.
struct Shared(UnsafeCell<Exchange>);

// SAFETY: wasm32 without the atomics feature has a single thread.
unsafe impl Sync for Shared {}

static SHARED: Shared = Shared(UnsafeCell::new(Exchange {
    input: Vec::new(),
    text: Vec::new(),
    regs: [0.0; 10],
    platform: Platform {
        page_origin: None,
        header_encoding: HeaderEncoding::Bytes,
    },
}));

fn exchange() -> &'static mut Exchange {
    // SAFETY: one thread, and exports take this once per call, never across
    // a call into JavaScript.
    unsafe { &mut *SHARED.0.get() }
}

/// The first `len` bytes of the input buffer.
fn input_bytes(len: u32) -> &'static [u8] {
    let input = &exchange().input;
    &input[..(len as usize).min(input.len())]
}

/// The input buffer's bytes from `at`, `len` of them, as text. The driver
/// writes text with `TextEncoder`, so it is UTF-8; anything else reads as
/// empty.
fn input_text(at: usize, len: u32) -> &'static str {
    let input = &exchange().input;
    let bytes = input
        .get(at..at.saturating_add(len as usize))
        .unwrap_or_default();
    core::str::from_utf8(bytes).unwrap_or_default()
}

/// Puts `text` out: its address and length go to registers 8 and 9.
fn put_text(text: &[u8]) {
    let ex = exchange();
    ex.text.clear();
    ex.text.extend_from_slice(text);
    point_at(&ex.text);
}

/// Points the text registers at `bytes`.
fn point_at(bytes: &[u8]) {
    let regs = &mut exchange().regs;
    regs[8] = bytes.as_ptr() as usize as f64;
    regs[9] = bytes.len() as f64;
}

/// `value`, or NaN for none.
fn or_nan(value: Option<f64>) -> f64 {
    value.unwrap_or(f64::NAN)
}

/// Room for `len` bytes of input; returns their address, valid until the
/// next call that allocates.
#[export_name = "i"]
pub extern "C" fn input(len: u32) -> *mut u8 {
    let input = &mut exchange().input;
    input.resize(len as usize, 0);
    input.as_mut_ptr()
}

/// The address of the ten `f64` registers.
#[export_name = "r"]
pub extern "C" fn regs() -> *mut f64 {
    exchange().regs.as_mut_ptr()
}

/// Tells the module where it runs: the input holds `navigator.userAgent`
/// (`ua_len` bytes) then `location.origin` (`origin_len` bytes; `u32::MAX`
/// when there is none).
#[export_name = "p"]
pub extern "C" fn platform(ua_len: u32, origin_len: u32) {
    let header_encoding = HeaderEncoding::for_user_agent(input_text(0, ua_len));
    let page_origin =
        (origin_len != u32::MAX).then(|| String::from(input_text(ua_len as usize, origin_len)));
    exchange().platform = Platform {
        page_origin,
        header_encoding,
    };
}

/// One source: the machine and the batch its chunks fill.
pub struct Source {
    machine: ReconnectState,
    batch: Batch,
}

/// A new source. Numbers are the options as given, NaN where not given
/// (the core's default applies); `max_attempts` is NaN or infinite for no
/// limit. `credentials` is 0 when not given, else 1 + the mode's index in
/// `omit`, `same-origin`, `include`. `flags`: 1 `withCredentials`, 2 a custom
/// fetch, 4 a `lastEventIdQueryParam`, 128 a method that can carry a body,
/// 256 custom headers; bits 3–4 hold `streamEnd` and bits 5–6 `redirect`,
/// each 0 when not given, else 1 + the value's index in `src/rules.json`
/// (the core picks the default). The input holds the `lastEventId` option
/// (`id_len` bytes), then the query parameter's name (`param_len`).
#[export_name = "n"]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn source_new(
    initial_delay: f64,
    multiplier: f64,
    max_delay: f64,
    jitter: f64,
    max_attempts: f64,
    inactivity_timeout: f64,
    max_buffer_size: f64,
    credentials: u32,
    flags: u32,
    id_len: u32,
    param_len: u32,
) -> *mut Source {
    let mut config = Config::default();
    let given = |v: f64| (!v.is_nan()).then_some(v);
    if let Some(v) = given(initial_delay) {
        config.initial_delay = v;
    }
    if let Some(v) = given(multiplier) {
        config.backoff.multiplier = v;
    }
    if let Some(v) = given(max_delay) {
        config.backoff.max_delay = v;
    }
    if let Some(v) = given(jitter) {
        config.backoff.jitter = v;
    }
    config.max_attempts = given(max_attempts)
        .filter(|v| *v <= f64::from(u32::MAX))
        .map(|v| v as u32);
    config.inactivity_timeout = given(inactivity_timeout);
    if let Some(v) = given(max_buffer_size) {
        config.max_buffer_size = v as usize;
    }
    let mode = [
        Credentials::Omit,
        Credentials::SameOrigin,
        Credentials::Include,
    ]
    .get((credentials as usize).wrapping_sub(1))
    .copied();
    config.credentials = credentials_mode(flags & 1 != 0, mode);
    config.custom_fetch = flags & 2 != 0;
    // A value's index, from its two bits (0: not given).
    let chosen = |at: u32| ((flags >> at) & 3).checked_sub(1).map(|i| i as usize);
    config.close_on_end = options::closes_on_end(chosen(3), flags & 128 != 0);
    config.refuse_redirects = options::refuses_redirects(chosen(5), flags & 256 != 0);
    config.last_event_id = String::from(input_text(0, id_len));
    if flags & 4 != 0 {
        config.last_event_id_query_param =
            Some(String::from(input_text(id_len as usize, param_len)));
    }
    // SAFETY: `random` is the imported Math.random.
    let random = Box::new(|| unsafe { random() });
    let machine = ReconnectState::new(config, exchange().platform.clone(), random);
    Box::into_raw(Box::new(Source {
        machine,
        batch: Batch::new(),
    }))
}

/// Frees a source from [`source_new`].
///
/// # Safety
///
/// `source` must come from [`source_new`] and not be used again.
#[export_name = "f"]
pub unsafe extern "C" fn source_free(source: *mut Source) {
    drop(Box::from_raw(source));
}

/// The source behind a pointer from [`source_new`].
fn source(ptr: *mut Source) -> &'static mut Source {
    // SAFETY: the driver passes only pointers from `source_new` that it has
    // not freed.
    unsafe { &mut *ptr }
}

/// Writes an action's details (registers and text) and returns its code.
fn report(action: Action) -> u32 {
    let regs = &mut exchange().regs;
    match action {
        Action::None => ACTION_NONE,
        Action::Fetch(request) => {
            regs[0] = f64::from(request.conn);
            regs[1] = or_nan(request.timer);
            regs[2] = request.credentials as u32 as f64;
            regs[3] = f64::from(
                u8::from(request.last_event_id.is_some())
                    | u8::from(request.query.is_some()) << 1
                    | u8::from(request.refuse_redirects) << 2,
            );
            let (name, value) = request.query.unwrap_or_default();
            let mut text = request.last_event_id.unwrap_or_default().into_bytes();
            for part in [name, value] {
                text.push(b'\r');
                text.extend_from_slice(part.as_bytes());
            }
            put_text(&text);
            ACTION_FETCH
        }
        Action::Open { url } => {
            put_text(url.as_bytes());
            ACTION_OPEN
        }
        Action::Probe => ACTION_PROBE,
        Action::Retry(failure) => report_error(&failure, ACTION_RETRY),
        Action::Fail(failure) => report_error(&failure, ACTION_FAIL),
        Action::Timer(ms) => {
            regs[0] = ms;
            ACTION_TIMER
        }
        Action::Abort => ACTION_ABORT,
    }
}

/// An error event: registers 0–6 are the status (NaN for none), the retry
/// delay in ms (NaN when it will not retry), the attempt, whether it gave
/// up, the sentence (an index into the words of `src/rules.json`), and the
/// `maxBufferSize` and `inactivityTimeout` (whole ms) it may name; the text
/// is the detail. (The sentence says the reason: `src/rules.json` names the
/// reason of each.)
fn report_error(failure: &Failure, code: u32) -> u32 {
    let info = &failure.info;
    let regs = &mut exchange().regs;
    regs[0] = or_nan(info.status.map(f64::from));
    regs[1] = or_nan(info.retry_delay.map(|ms| ms as f64));
    regs[2] = f64::from(info.attempt);
    regs[3] = f64::from(u8::from(info.gave_up));
    regs[4] = info.sentence() as f64;
    regs[5] = failure.max_buffer_size as f64;
    regs[6] = (failure.inactivity_timeout.unwrap_or(0.0).max(0.0) + 0.5) as u64 as f64;
    put_text(failure.detail.as_bytes());
    code
}

/// Adds a status to `retryOnStatus` (before [`source_connect`]).
#[export_name = "s"]
pub extern "C" fn source_retry_on(s: *mut Source, status: u32) {
    let statuses = &mut source(s).machine.config_mut().retry_on_status;
    statuses.push(status.min(u32::from(u16::MAX)) as u16);
}

/// Connect; the input holds the source's URL (`len` bytes).
#[export_name = "c"]
pub extern "C" fn source_connect(s: *mut Source, now: f64, len: u32) -> u32 {
    report(source(s).machine.connect(now, input_text(0, len)))
}

/// Read a stream the page supplied instead of fetching.
#[export_name = "C"]
pub extern "C" fn source_connect_stream(s: *mut Source, now: f64) -> u32 {
    report(source(s).machine.connect_stream(now))
}

/// A response. The input holds its URL (`url_len` bytes), then its
/// `Content-Type` and `Retry-After` headers (`u32::MAX` for a header that is
/// absent). `opaque_redirect` is 1 when fetch gave back an opaque redirect.
#[export_name = "R"]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn source_response(
    s: *mut Source,
    now: f64,
    wall_now: f64,
    conn: u32,
    status: u32,
    opaque_redirect: u32,
    url_len: u32,
    type_len: u32,
    retry_after_len: u32,
) -> u32 {
    let header = |at: usize, len: u32| (len != u32::MAX).then(|| input_text(at, len));
    let type_at = url_len as usize;
    let retry_at = type_at
        + if type_len == u32::MAX {
            0
        } else {
            type_len as usize
        };
    let response = Response {
        status: status.min(u32::from(u16::MAX)) as u16,
        url: input_text(0, url_len),
        content_type: header(type_at, type_len),
        retry_after: header(retry_at, retry_after_len),
        opaque_redirect: opaque_redirect != 0,
    };
    report(
        source(s)
            .machine
            .on_response(now, wall_now, conn, &response),
    )
}

/// Body bytes (the input's first `len`): returns how many events they
/// completed, packed in the text (`data\rtype\rid\r` per event).
#[export_name = "b"]
pub extern "C" fn source_body(s: *mut Source, now: f64, conn: u32, len: u32) -> u32 {
    let source = source(s);
    source.batch.clear();
    source
        .machine
        .on_body(now, conn, input_bytes(len), &mut source.batch);
    put_batch(&source.batch)
}

/// Points the text registers at a batch's packed events; returns their count.
fn put_batch(batch: &Batch) -> u32 {
    point_at(batch.packed());
    batch.len() as u32
}

/// The events of the last chunk were dispatched.
#[export_name = "d"]
pub extern "C" fn source_delivered(s: *mut Source, conn: u32) -> u32 {
    report(source(s).machine.on_delivered(conn))
}

/// The body ended normally.
#[export_name = "e"]
pub extern "C" fn source_body_end(s: *mut Source, conn: u32) -> u32 {
    report(source(s).machine.on_body_end(conn))
}

/// The fetch rejected; the input holds the exception's message.
#[export_name = "F"]
pub extern "C" fn source_fetch_error(
    s: *mut Source,
    now: f64,
    conn: u32,
    aborted: u32,
    len: u32,
) -> u32 {
    report(
        source(s)
            .machine
            .on_fetch_error(now, conn, aborted != 0, input_text(0, len)),
    )
}

/// The CORS probe settled.
#[export_name = "P"]
pub extern "C" fn source_probe(s: *mut Source, conn: u32, answered: u32) -> u32 {
    report(source(s).machine.on_probe(conn, answered != 0))
}

/// Reading the body failed; the input holds the exception's message.
#[export_name = "E"]
pub extern "C" fn source_body_error(
    s: *mut Source,
    now: f64,
    conn: u32,
    aborted: u32,
    len: u32,
) -> u32 {
    report(
        source(s)
            .machine
            .on_body_error(now, conn, aborted != 0, input_text(0, len)),
    )
}

/// Preparing the request failed; the input holds the exception's message.
#[export_name = "S"]
pub extern "C" fn source_setup_error(s: *mut Source, conn: u32, len: u32) -> u32 {
    report(source(s).machine.on_setup_error(conn, input_text(0, len)))
}

/// Something in the page's life: `event` numbers a [`PageEvent`] in the
/// order of [`PageEvent::ALL`] (pkg-template/core.js names them).
#[export_name = "t"]
pub extern "C" fn source_page(s: *mut Source, event: u32, now: f64) -> u32 {
    match PageEvent::ALL.get(event as usize) {
        Some(&event) => report(source(s).machine.on_page(event, now)),
        None => ACTION_NONE,
    }
}

/// The front end stopped taking events.
#[export_name = "u"]
pub extern "C" fn source_suspend(s: *mut Source) {
    source(s).machine.suspend();
}

/// The front end takes events again.
#[export_name = "U"]
pub extern "C" fn source_resume(s: *mut Source, now: f64) {
    source(s).machine.resume(now);
}

/// The timer fired.
#[export_name = "T"]
pub extern "C" fn source_timer(s: *mut Source, now: f64) -> u32 {
    report(source(s).machine.on_timer(now))
}

/// `close()`.
#[export_name = "x"]
pub extern "C" fn source_close(s: *mut Source) {
    source(s).machine.close();
}

/// `reset()`.
#[export_name = "X"]
pub extern "C" fn source_reset(s: *mut Source) {
    source(s).machine.reset();
}

/// The ready state (0, 1, 2).
#[export_name = "y"]
pub extern "C" fn source_ready_state(s: *mut Source) -> u32 {
    source(s).machine.ready_state() as u32
}

/// The reconnection time in ms.
#[export_name = "Y"]
pub extern "C" fn source_reconnection_time(s: *mut Source) -> f64 {
    source(s).machine.reconnection_time()
}

/// The last event id, as text.
#[export_name = "l"]
pub extern "C" fn source_last_event_id(s: *mut Source) {
    put_text(source(s).machine.last_event_id().as_bytes());
}

/// The parser alone, for `EventStreamParser`.
pub struct Parser {
    parser: EventParser,
    batch: Batch,
}

/// A parser holding at most `max_buffer_size` bytes of incomplete input
/// (NaN: the default).
#[export_name = "N"]
pub extern "C" fn parser_new(max_buffer_size: f64) -> *mut Parser {
    let config = Config::default();
    let max = if max_buffer_size.is_nan() {
        config.max_buffer_size
    } else {
        max_buffer_size as usize
    };
    Box::into_raw(Box::new(Parser {
        parser: EventParser::with_max_buffer_size(max),
        batch: Batch::new(),
    }))
}

/// Frees a parser from [`parser_new`].
///
/// # Safety
///
/// `parser` must come from [`parser_new`] and not be used again.
#[export_name = "G"]
pub unsafe extern "C" fn parser_free(parser: *mut Parser) {
    drop(Box::from_raw(parser));
}

fn parser(ptr: *mut Parser) -> &'static mut Parser {
    // SAFETY: the driver passes only pointers from `parser_new` that it has
    // not freed.
    unsafe { &mut *ptr }
}

/// Parses the input's first `len` bytes: returns the number of events (in
/// the text, packed), with register 0 the chunk's last `retry:` value (NaN
/// for none); or `u32::MAX` when the incomplete input would exceed the
/// limit, with registers 4 and 5 the overflow's sentence and the limit.
#[export_name = "B"]
pub extern "C" fn parser_feed(p: *mut Parser, len: u32) -> u32 {
    let p = parser(p);
    p.batch.clear();
    match p.parser.feed(input_bytes(len), &mut p.batch) {
        Feed::Ok => {
            exchange().regs[0] = or_nan(p.batch.retry().map(|ms| ms as f64));
            put_batch(&p.batch)
        }
        Feed::Overflow => {
            let regs = &mut exchange().regs;
            regs[4] = overflow_sentence() as f64;
            regs[5] = p.parser.max_buffer_size() as f64;
            u32::MAX
        }
    }
}
