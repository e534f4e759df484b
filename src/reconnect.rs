//! The connection state machine: ready state, reconnection delay, backoff,
//! attempt counting, inactivity and the `Last-Event-ID` to send.
//!
//! It implements the "fail the connection", "reestablish the connection" and
//! response-handling rules of
//! [HTML § 9.2.3](https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model)
//! as a pure function of its inputs. Time is passed in as milliseconds of a
//! monotonic clock (the browser layer passes `performance.now()`); the
//! machine never reads a clock and draws jitter from an injected random
//! source, so every transition is testable natively on a fake clock.
//!
//! The machine owns the [`EventParser`] of the current connection, because
//! what the stream says (`retry:`, `id:`, too much buffered input) changes
//! what the connection does next.
//!
//! Each input returns one [`Action`] for the browser layer to carry out. Every
//! fetch gets a connection number; inputs about an older connection (a read
//! that rejects after its fetch was aborted, say) are ignored.

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use crate::parser::{Batch, EventParser};

/// The longest delay a browser timer can wait (`setTimeout` clamps to a
/// signed 32-bit number of milliseconds; longer values fire at once).
pub const MAX_DELAY: f64 = 2_147_483_647.0;

/// The standard's suggested initial reconnection time, in milliseconds.
pub const DEFAULT_RECONNECTION_TIME: f64 = 3000.0;

/// `EventSource.readyState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ReadyState {
    /// `CONNECTING` (0): connecting, or waiting to reconnect.
    Connecting = 0,
    /// `OPEN` (1): the response was announced and is being parsed.
    Open = 1,
    /// `CLOSED` (2): closed by the page, or the connection failed.
    Closed = 2,
}

/// Opt-in exponential backoff. The delay before reconnection attempt `k`
/// (counting from 0 since the last connection that delivered an event) is
/// `min(max_delay, base × multiplier^k)`, then reduced by jitter. `base` is
/// the reconnection time (initially [`Config::initial_delay`], then whatever
/// the server's `retry:` field says).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// Growth factor per consecutive attempt; `1.0` keeps the delay fixed.
    pub multiplier: f64,
    /// Upper bound on the computed delay in milliseconds.
    pub max_delay: f64,
    /// Fraction of the delay that is randomised, in `[0, 1]`: the delay `d`
    /// becomes uniform in `[d × (1 − jitter), d]`. `1.0` is "full jitter".
    pub jitter: f64,
}

impl Default for Backoff {
    /// The standard's behaviour: a fixed delay with no jitter.
    fn default() -> Self {
        Backoff {
            multiplier: 1.0,
            max_delay: MAX_DELAY,
            jitter: 0.0,
        }
    }
}

/// How a source connects and reconnects. [`Config::default`] is exactly the
/// standard's behaviour.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Reconnection time before the server sets one with `retry:` (ms).
    pub initial_delay: f64,
    /// Growth, cap and jitter of the delay.
    pub backoff: Backoff,
    /// Reconnection attempts allowed in a row without receiving an event
    /// before the source gives up and fails. `None` retries forever.
    pub max_attempts: Option<u32>,
    /// Response statuses that reconnect (honouring `Retry-After`) instead of
    /// failing the connection.
    pub retry_on_status: Vec<u16>,
    /// Reconnect when nothing at all arrives for this long (ms), from the
    /// start of a fetch or the last received bytes.
    pub inactivity_timeout: Option<f64>,
    /// Limit on buffered, incomplete input; see [`EventParser::with_max_buffer_size`].
    pub max_buffer_size: usize,
    /// `Last-Event-ID` for the first request (and the initial `lastEventId`).
    pub last_event_id: String,
    /// Let every URL scheme through to fetch (a custom fetch may know more
    /// schemes); otherwise only the schemes fetch can load are tried.
    pub any_scheme: bool,
    /// Reestablish the connection after it drops. `false` for a source read
    /// from a stream the page supplies (`EventSource.fromReadableStream()`):
    /// the end of that stream, or its error, fails the source.
    pub reconnect: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            initial_delay: DEFAULT_RECONNECTION_TIME,
            backoff: Backoff::default(),
            max_attempts: None,
            retry_on_status: Vec::new(),
            inactivity_timeout: None,
            max_buffer_size: crate::parser::DEFAULT_MAX_BUFFER_SIZE,
            last_event_id: String::new(),
            any_scheme: false,
            reconnect: true,
        }
    }
}

/// Why an `error` event is fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// fetch rejected before a response (network error, CORS, DNS...).
    Network,
    /// The response body broke off with an error.
    BodyError,
    /// The response body ended normally.
    BodyEnded,
    /// The response status was not 200.
    Status,
    /// The response's MIME type was not `text/event-stream`.
    ContentType,
    /// The stream buffered more incomplete input than `maxBufferSize`.
    Overflow,
    /// Nothing arrived within `inactivityTimeout`.
    Inactivity,
    /// The URL's scheme cannot be fetched.
    Scheme,
    /// Preparing the request (a `headers` or `body` function) failed.
    Setup,
    /// The server answered, but CORS forbids the page to read the response
    /// (or to send the request: a rejected preflight).
    Cors,
    /// The page stopped the request (`window.stop()`), not the source.
    Aborted,
}

impl Reason {
    /// Every reason, in declaration order.
    pub const ALL: [Reason; 11] = [
        Reason::Network,
        Reason::BodyError,
        Reason::BodyEnded,
        Reason::Status,
        Reason::ContentType,
        Reason::Overflow,
        Reason::Inactivity,
        Reason::Scheme,
        Reason::Setup,
        Reason::Cors,
        Reason::Aborted,
    ];

    /// The reason's name, as the JavaScript `error` event's `reason`
    /// property carries it: `"network"`, `"body-error"`, `"body-ended"`,
    /// `"status"`, `"content-type"`, `"overflow"`, `"inactivity"`,
    /// `"scheme"`, `"setup"`, `"cors"` or `"aborted"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Network => "network",
            Reason::BodyError => "body-error",
            Reason::BodyEnded => "body-ended",
            Reason::Status => "status",
            Reason::ContentType => "content-type",
            Reason::Overflow => "overflow",
            Reason::Inactivity => "inactivity",
            Reason::Scheme => "scheme",
            Reason::Setup => "setup",
            Reason::Cors => "cors",
            Reason::Aborted => "aborted",
        }
    }
}

impl core::fmt::Display for Reason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an `error` event reports besides its type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorInfo {
    /// What happened.
    pub reason: Reason,
    /// The HTTP status, when there was a response.
    pub status: Option<u16>,
    /// Whether the source will reconnect.
    pub will_retry: bool,
    /// Milliseconds until the next attempt, when `will_retry`.
    pub retry_delay: f64,
    /// Reconnection attempts made in a row without receiving data,
    /// including the one now scheduled.
    pub attempt: u32,
    /// The source would have reconnected but `max_attempts` ran out.
    pub gave_up: bool,
}

/// What the browser layer must do after an input.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Nothing.
    None,
    /// Start fetch number `conn`. Send `Last-Event-ID: last_event_id` (UTF-8
    /// encoded) when it is not empty. When `timer` is set, arm the single
    /// timer for that many ms (inactivity).
    Fetch {
        /// Connection number to pass back with every input about this fetch.
        conn: u32,
        /// The `Last-Event-ID` value; empty means "send no header".
        last_event_id: String,
        /// Arm the timer, in ms.
        timer: Option<f64>,
    },
    /// The ready state is now OPEN: fire `open`, then read the body.
    Open,
    /// Abort the current fetch, arm the timer for `info.retry_delay` ms and
    /// fire `error`; the ready state is now CONNECTING.
    Retry(ErrorInfo),
    /// Abort the current fetch and fire `error`; the ready state is now
    /// CLOSED. Never reconnect.
    Fail(ErrorInfo),
    /// Re-arm the timer for this many ms.
    Timer(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Created, nothing started.
    Idle,
    /// A fetch is in flight, no response yet.
    Fetching,
    /// The response was announced; the body is being read.
    Streaming,
    /// Waiting for the reconnection timer.
    Waiting,
    /// Closed for good.
    Closed,
}

/// The state of one source's connection. See the module docs.
pub struct ReconnectState {
    config: Config,
    parser: EventParser,
    phase: Phase,
    ready_state: ReadyState,
    /// The reconnection time: `initial_delay` until a `retry:` field sets it.
    base_delay: f64,
    attempts: u32,
    conn: u32,
    last_activity: f64,
    /// The front end is not taking events, so the body is not being read.
    suspended: bool,
    random: Box<dyn FnMut() -> f64>,
}

impl core::fmt::Debug for ReconnectState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReconnectState")
            .field("phase", &self.phase)
            .field("ready_state", &self.ready_state)
            .field("base_delay", &self.base_delay)
            .field("attempts", &self.attempts)
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}

impl ReconnectState {
    /// A machine in CONNECTING that has not started. `random` must return
    /// numbers in `[0, 1)`; it is only called when jitter is enabled.
    pub fn new(config: Config, random: Box<dyn FnMut() -> f64>) -> Self {
        let mut parser = EventParser::with_max_buffer_size(config.max_buffer_size);
        parser.set_last_event_id(&config.last_event_id);
        ReconnectState {
            base_delay: config.initial_delay,
            config,
            parser,
            phase: Phase::Idle,
            ready_state: ReadyState::Connecting,
            attempts: 0,
            conn: 0,
            last_activity: 0.0,
            suspended: false,
            random,
        }
    }

    /// The configuration the machine was made with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The current `readyState`.
    pub fn ready_state(&self) -> ReadyState {
        self.ready_state
    }

    /// The source's last event id (what the next request sends).
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    /// The reconnection time the server set with `retry:`, or the initial one.
    pub fn reconnection_time(&self) -> f64 {
        self.base_delay
    }

    /// Reconnection attempts in a row without data.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The number of the current (or last) fetch.
    pub fn conn(&self) -> u32 {
        self.conn
    }

    /// Start the first connection of a source whose URL is `url`.
    pub fn connect(&mut self, now: f64, url: &str) -> Action {
        if self.phase != Phase::Idle {
            return Action::None;
        }
        // [spec] Only schemes fetch can load may connect; others fail
        // the connection instead of retrying.
        if !self.config.any_scheme && !fetchable_scheme(url) {
            return self.fail(Reason::Scheme, None);
        }
        self.start_fetch(now)
    }

    /// Start reading a stream the page supplied (`fromReadableStream()`):
    /// there is no request, so the connection is announced at once (OPEN,
    /// `open`). Its inputs carry connection number 1 ([`Self::conn`]). A
    /// stream cannot be fetched again: the machine no longer reconnects
    /// ([`Config::reconnect`]).
    pub fn connect_stream(&mut self, now: f64) -> Action {
        if self.phase != Phase::Idle {
            return Action::None;
        }
        self.config.reconnect = false;
        self.conn = 1;
        self.last_activity = now;
        // [spec] Announce the connection.
        self.phase = Phase::Streaming;
        self.ready_state = ReadyState::Open;
        self.parser.reset();
        Action::Open
    }

    /// `reset()`: discard the buffered, incomplete input (a partial line and
    /// the event being assembled), so a fresh stream can follow. The last
    /// event id and the reconnection time are kept.
    pub fn reset(&mut self) {
        if self.phase != Phase::Closed {
            self.parser.reset();
        }
    }

    /// A response arrived for fetch `conn` (after redirects).
    /// `content_type` is the `Content-Type` header; `retry_after` the delay
    /// in ms its `Retry-After` header asks for, if any (see
    /// [`parse_retry_after`], which needs the wall clock this machine never
    /// sees).
    pub fn on_response(
        &mut self,
        now: f64,
        conn: u32,
        status: u16,
        content_type: Option<&str>,
        retry_after: Option<f64>,
    ) -> Action {
        if !self.is_current(conn) || self.phase != Phase::Fetching {
            return Action::None;
        }
        self.last_activity = now;
        if status != 200 && self.config.retry_on_status.contains(&status) {
            return self.reestablish(Reason::Status, Some(status), retry_after);
        }
        // [spec] Any status other than 200 fails the connection (204 is how
        // a server says "stop reconnecting"); redirects were followed by fetch.
        if status != 200 {
            return self.fail(Reason::Status, Some(status));
        }
        // [spec] The MIME type essence must be text/event-stream;
        // parameters such as charset are ignored.
        if !is_event_stream(content_type.unwrap_or("")) {
            return self.fail(Reason::ContentType, Some(status));
        }
        // [spec] Announce the connection: set OPEN and fire `open`.
        self.phase = Phase::Streaming;
        self.ready_state = ReadyState::Open;
        self.parser.reset();
        Action::Open
    }

    /// Body bytes of fetch `conn` arrived. Complete events are appended to
    /// `out`; the browser layer dispatches them, then reports it with
    /// [`on_delivered`](Self::on_delivered), which carries out what the
    /// chunk decided (a buffer overflow fails the connection only then, so
    /// nothing received is lost and the events see the ready state OPEN).
    pub fn on_body(&mut self, now: f64, conn: u32, chunk: &[u8], out: &mut Batch) {
        if !self.is_current(conn) || self.phase != Phase::Streaming || self.parser.is_overflowed() {
            return;
        }
        self.last_activity = now;
        let before = out.len();
        // An overflow is the parser's to remember (until it is reset); the
        // connection fails once this chunk's events are delivered.
        let _ = self.parser.feed(chunk, out);
        if out.len() > before {
            // A connection that delivers events resets the backoff; one that
            // only sends comments (heartbeats) and drops does not.
            self.attempts = 0;
        }
        if let Some(ms) = out.retry() {
            // [spec] `retry:` sets the reconnection time.
            self.base_delay = ms as f64;
        }
    }

    /// The events of fetch `conn`'s last chunk were delivered to the front
    /// end (whose listeners may have called `close()` meanwhile).
    pub fn on_delivered(&mut self, conn: u32) -> Action {
        if !self.is_current(conn) || self.phase != Phase::Streaming || !self.parser.is_overflowed()
        {
            return Action::None;
        }
        // [spec] Too much buffered input is fatal here: fail the connection.
        self.fail(Reason::Overflow, Some(200))
    }

    /// The body of fetch `conn` ended normally.
    pub fn on_body_end(&mut self, conn: u32) -> Action {
        if !self.is_current(conn) || self.phase != Phase::Streaming {
            return Action::None;
        }
        // [spec] Body ends: reestablish the connection.
        self.reestablish(Reason::BodyEnded, Some(200), None)
    }

    /// Fetch `conn` failed: before a response (`reason` [`Reason::Network`],
    /// or [`Reason::Cors`] when the server answered but CORS forbade the
    /// request), while reading the body ([`Reason::BodyError`]), while
    /// preparing the request ([`Reason::Setup`]), or because the page
    /// stopped it ([`Reason::Aborted`], `window.stop()`).
    pub fn on_network_error(&mut self, conn: u32, reason: Reason) -> Action {
        if !self.is_current(conn) || !matches!(self.phase, Phase::Fetching | Phase::Streaming) {
            return Action::None;
        }
        let status = (self.phase == Phase::Streaming).then_some(200);
        match reason {
            // [spec] A CORS failure is a network error "with the CORS flag",
            // and the processing model fails the connection for it: retrying
            // cannot help, and native EventSource does not. Stopping the
            // document's fetches (window.stop()) cancels the source too.
            Reason::Cors | Reason::Aborted => self.fail(reason, status),
            // [spec] A network error reestablishes the connection.
            _ => self.reestablish(reason, status, None),
        }
    }

    /// The front end stopped taking events (backpressure), so the browser
    /// layer stops reading the body: until [`resume`](Self::resume), silence
    /// is not inactivity.
    pub fn suspend(&mut self) {
        self.suspended = true;
    }

    /// The front end takes events again; inactivity counts from `now`.
    pub fn resume(&mut self, now: f64) {
        if self.suspended {
            self.suspended = false;
            self.last_activity = now;
        }
    }

    /// The timer armed by the last [`Action::Retry`], [`Action::Timer`] or
    /// [`Action::Fetch`] fired.
    pub fn on_timer(&mut self, now: f64) -> Action {
        match self.phase {
            // [spec] After the wait, connect again if still CONNECTING.
            Phase::Waiting => self.start_fetch(now),
            Phase::Fetching | Phase::Streaming => match self.config.inactivity_timeout {
                // Not reading while suspended: check again a full period later.
                Some(limit) if self.suspended => Action::Timer(limit),
                Some(limit) => {
                    let idle = now - self.last_activity;
                    if idle >= limit {
                        let status = (self.phase == Phase::Streaming).then_some(200);
                        self.reestablish(Reason::Inactivity, status, None)
                    } else {
                        Action::Timer(limit - idle)
                    }
                }
                None => Action::None,
            },
            Phase::Idle | Phase::Closed => Action::None,
        }
    }

    /// `close()`: the ready state becomes CLOSED and every later input is
    /// ignored. Returns `false` when it was already closed. The browser layer
    /// aborts the fetch and drops the timer; nothing is fired.
    pub fn close(&mut self) -> bool {
        if self.phase == Phase::Closed {
            return false;
        }
        self.phase = Phase::Closed;
        self.ready_state = ReadyState::Closed;
        self.parser.reset();
        true
    }

    fn is_current(&self, conn: u32) -> bool {
        conn == self.conn
    }

    fn start_fetch(&mut self, now: f64) -> Action {
        self.conn = self.conn.wrapping_add(1);
        self.phase = Phase::Fetching;
        self.suspended = false;
        self.last_activity = now;
        // [spec] Reconnects carry the last event id, when not empty.
        Action::Fetch {
            conn: self.conn,
            last_event_id: self.parser.last_event_id().to_owned(),
            timer: self.config.inactivity_timeout,
        }
    }

    fn fail(&mut self, reason: Reason, status: Option<u16>) -> Action {
        self.close_with(reason, status, false)
    }

    fn close_with(&mut self, reason: Reason, status: Option<u16>, gave_up: bool) -> Action {
        // [spec] Fail the connection: set CLOSED, fire error, never reconnect.
        self.phase = Phase::Closed;
        self.ready_state = ReadyState::Closed;
        self.parser.reset();
        Action::Fail(ErrorInfo {
            reason,
            status,
            will_retry: false,
            retry_delay: 0.0,
            attempt: self.attempts,
            gave_up,
        })
    }

    /// `floor` is a server-requested minimum delay (`Retry-After`).
    fn reestablish(&mut self, reason: Reason, status: Option<u16>, floor: Option<f64>) -> Action {
        // [spec] An event without its closing blank line is discarded.
        self.parser.finish();
        if !self.config.reconnect {
            // A supplied stream cannot be asked for again.
            return self.fail(reason, status);
        }
        if let Some(max) = self.config.max_attempts {
            if self.attempts >= max {
                return self.close_with(reason, status, true);
            }
        }
        let delay = self.next_delay().max(floor.unwrap_or(0.0)).min(MAX_DELAY);
        self.attempts = self.attempts.saturating_add(1);
        // [spec] Reestablish: set CONNECTING, fire error, wait.
        self.phase = Phase::Waiting;
        self.ready_state = ReadyState::Connecting;
        Action::Retry(ErrorInfo {
            reason,
            status,
            will_retry: true,
            retry_delay: delay,
            attempt: self.attempts,
            gave_up: false,
        })
    }

    fn next_delay(&mut self) -> f64 {
        let b = &self.config.backoff;
        let cap = b.max_delay.min(MAX_DELAY);
        // base × multiplier^attempts, stopping once the cap is reached (core
        // has no powi, and the loop is short: the cap is at most 2^31 ms).
        let mut grown = self.base_delay;
        if b.multiplier > 1.0 && grown > 0.0 {
            for _ in 0..self.attempts {
                if grown >= cap {
                    break;
                }
                grown *= b.multiplier;
            }
        }
        let capped = grown.min(cap).max(0.0);
        let jitter = b.jitter.clamp(0.0, 1.0);
        if jitter > 0.0 {
            let r = (self.random)().clamp(0.0, 1.0);
            capped * (1.0 - jitter * r)
        } else {
            capped
        }
    }
}

/// Whether fetch can load a URL with this scheme (`http:`, `https:`, and
/// `blob:`/`data:` where fetch allows them). ASCII case-insensitive.
pub fn fetchable_scheme(url: &str) -> bool {
    let scheme = match url.find(':') {
        Some(i) => &url[..i],
        None => return false,
    };
    ["http", "https", "blob", "data"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s))
}

/// Whether a `Content-Type` value's MIME type essence is `text/event-stream`
/// (parameters ignored, ASCII case-insensitive, surrounding HTTP whitespace
/// trimmed; of several comma-joined values the last one counts).
pub fn is_event_stream(content_type: &str) -> bool {
    // Several Content-Type headers arrive joined by ", "; as in Fetch's
    // "extract a MIME type", the last one decides.
    let last = content_type.rsplit(',').next().unwrap_or("");
    let essence = last.split(';').next().unwrap_or("");
    essence
        .trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
        .eq_ignore_ascii_case("text/event-stream")
}

/// Parse a `Retry-After` value into the delay it asks for, in ms:
/// delay-seconds, or an HTTP-date in any of the three forms RFC 9110
/// § 5.6.7 says a recipient must accept (IMF-fixdate, RFC 850, asctime),
/// measured from `wall_now` (ms since the Unix epoch). A date in the past,
/// or a value that parses as neither, asks for nothing: `None`.
pub fn parse_retry_after(value: &str, wall_now: f64) -> Option<f64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Integer arithmetic: saturates instead of overflowing on long values.
        let secs = value.bytes().fold(0u64, |n, b| {
            n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
        });
        return Some((secs as f64 * 1000.0).min(MAX_DELAY));
    }
    let at = parse_http_date(value, wall_now)?;
    (at > wall_now).then(|| (at - wall_now).min(MAX_DELAY))
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const LONG_WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// An HTTP-date (RFC 9110 § 5.6.7) → ms since the Unix epoch; `wall_now`
/// places an RFC 850 two-digit year.
///
/// Written here rather than taken from a crate: `httpdate`, the usual one,
/// added 4.6 KB gzipped to the WebAssembly module (its `SystemTime` path
/// pulls in `core::fmt`), 15% of it, for a header few streams send.
fn parse_http_date(s: &str, wall_now: f64) -> Option<f64> {
    let digits = |t: &str, n: usize| -> Option<i64> {
        (t.len() == n && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok())?
    };
    let month = |t: &str| MONTHS.iter().position(|m| *m == t).map(|i| i as i64 + 1);
    let (day, month, year, time) = if let Some((weekday, rest)) = s.split_once(", ") {
        let parts: Vec<&str> = rest.split(' ').collect();
        if WEEKDAYS.contains(&weekday) {
            // IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
            let [day, mon, year, time, "GMT"] = parts[..] else {
                return None;
            };
            (digits(day, 2)?, month(mon)?, digits(year, 4)?, time)
        } else if LONG_WEEKDAYS.contains(&weekday) {
            // RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`.
            let [date, time, "GMT"] = parts[..] else {
                return None;
            };
            let mut dmy = date.split('-');
            let (day, mon, yy) = (dmy.next()?, dmy.next()?, dmy.next()?);
            if dmy.next().is_some() {
                return None;
            }
            // A year more than 50 years ahead is the most recent past one
            // with the same last two digits.
            let this_year = 1970 + (wall_now / 31_556_952_000.0).floor() as i64;
            let mut year = this_year - this_year.rem_euclid(100) + digits(yy, 2)?;
            if year > this_year + 50 {
                year -= 100;
            }
            (digits(day, 2)?, month(mon)?, year, time)
        } else {
            return None;
        }
    } else {
        // asctime: `Sun Nov  6 08:49:37 1994` (a one-digit day is
        // padded with a space).
        let (weekday, rest) = s.split_once(' ')?;
        let (mon, rest) = rest.split_once(' ')?;
        let (day, rest) = match rest.strip_prefix(' ') {
            Some(rest) => (digits(rest.get(..1)?, 1)?, rest.get(1..)?),
            None => (digits(rest.get(..2)?, 2)?, rest.get(2..)?),
        };
        let [time, year] = rest.strip_prefix(' ')?.split(' ').collect::<Vec<_>>()[..] else {
            return None;
        };
        if !WEEKDAYS.contains(&weekday) {
            return None;
        }
        (day, month(mon)?, digits(year, 4)?, time)
    };
    let mut hms = time.split(':');
    let (h, m, sec) = (hms.next()?, hms.next()?, hms.next()?);
    let (h, m, sec) = (digits(h, 2)?, digits(m, 2)?, digits(sec, 2)?);
    if hms.next().is_some() || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    // Days from civil (proleptic Gregorian), after Howard Hinnant's algorithm.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + h * 3600 + m * 60 + sec) * 1000) as f64)
}

/// Whether `host`, the host of a URL with a special scheme (`http:`,
/// `https:`...) as a browser's URL parser serialized it, is valid under the
/// URL standard's host parser: once percent-decoded it must not contain a
/// forbidden domain code point (C0 controls, space, `#`, `%`, `/`, `:`, `<`,
/// `>`, `?`, `@`, `[`, `\`, `]`, `^`, `|`, DEL). IPv6 literals (`[...]`)
/// are left to the browser. Some parsers (Chromium's) accept such hosts by
/// percent-encoding them; the standard says the URL is invalid.
pub fn is_valid_host(host: &str) -> bool {
    if host.starts_with('[') {
        return true;
    }
    let decoded = percent_encoding::percent_decode_str(host).collect::<Vec<u8>>();
    !decoded.iter().any(|&b| {
        b <= 0x20
            || b == 0x7f
            || matches!(
                b,
                b'#' | b'%'
                    | b'/'
                    | b':'
                    | b'<'
                    | b'>'
                    | b'?'
                    | b'@'
                    | b'['
                    | b'\\'
                    | b']'
                    | b'^'
                    | b'|'
            )
    })
}
