//! The connection state machine: ready state, reconnection delay, backoff,
//! attempt counting, inactivity and the `Last-Event-ID` to send.
//!
//! It implements the "fail the connection", "reestablish the connection" and
//! response-handling rules of
//! [HTML § 9.2.3](https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model)
//! as a pure function of its inputs. Time is passed in as milliseconds
//! (the browser layer passes `Date.now()`); the machine never reads a clock
//! and draws jitter from an injected random source, so every transition is
//! testable natively on a fake clock.
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

use crate::parser::{Batch, EventParser, Feed};

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
}

impl Reason {
    /// Every reason, in declaration order.
    pub const ALL: [Reason; 9] = [
        Reason::Network,
        Reason::BodyError,
        Reason::BodyEnded,
        Reason::Status,
        Reason::ContentType,
        Reason::Overflow,
        Reason::Inactivity,
        Reason::Scheme,
        Reason::Setup,
    ];

    /// The reason's name, as the JavaScript `error` event's `reason`
    /// property carries it: `"network"`, `"body-error"`, `"body-ended"`,
    /// `"status"`, `"content-type"`, `"overflow"`, `"inactivity"`,
    /// `"scheme"` or `"setup"`.
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

    /// A response arrived for fetch `conn` (after redirects).
    /// `content_type` is the `Content-Type` header, `retry_after` the
    /// `Retry-After` header, if present.
    pub fn on_response(
        &mut self,
        now: f64,
        conn: u32,
        status: u16,
        content_type: Option<&str>,
        retry_after: Option<&str>,
    ) -> Action {
        if !self.is_current(conn) || self.phase != Phase::Fetching {
            return Action::None;
        }
        self.last_activity = now;
        if status != 200 && self.config.retry_on_status.contains(&status) {
            let floor = retry_after.and_then(|v| parse_retry_after(v, now));
            return self.reestablish(Reason::Status, Some(status), floor);
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
    /// `out`; the browser layer dispatches them before carrying out the
    /// returned action (so a `Fail` for overflow loses nothing received).
    pub fn on_body(&mut self, now: f64, conn: u32, chunk: &[u8], out: &mut Batch) -> Action {
        if !self.is_current(conn) || self.phase != Phase::Streaming {
            return Action::None;
        }
        self.last_activity = now;
        let before = out.len();
        let feed = self.parser.feed(chunk, out);
        if out.len() > before {
            // A connection that delivers events resets the backoff; one that
            // only sends comments (heartbeats) and drops does not.
            self.attempts = 0;
        }
        if let Some(ms) = out.retry() {
            // [spec] `retry:` sets the reconnection time.
            self.base_delay = ms as f64;
        }
        match feed {
            Feed::Ok => Action::None,
            Feed::Overflow => self.fail(Reason::Overflow, Some(200)),
        }
    }

    /// The body of fetch `conn` ended normally.
    pub fn on_body_end(&mut self, conn: u32) -> Action {
        if !self.is_current(conn) || self.phase != Phase::Streaming {
            return Action::None;
        }
        // [spec] Body ends: reestablish the connection.
        self.reestablish(Reason::BodyEnded, Some(200), None)
    }

    /// Fetch `conn` failed: before a response (`reason` [`Reason::Network`]),
    /// while reading the body ([`Reason::BodyError`]), or while preparing
    /// the request ([`Reason::Setup`]).
    pub fn on_network_error(&mut self, conn: u32, reason: Reason) -> Action {
        if !self.is_current(conn) || !matches!(self.phase, Phase::Fetching | Phase::Streaming) {
            return Action::None;
        }
        let status = (self.phase == Phase::Streaming).then_some(200);
        // [spec] A network error reestablishes the connection.
        self.reestablish(reason, status, None)
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

/// Parse a `Retry-After` value (delay seconds or an IMF-fixdate HTTP-date)
/// into milliseconds from `now` (ms since the Unix epoch). Unparseable or
/// past values give `None`.
pub fn parse_retry_after(value: &str, now: f64) -> Option<f64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Integer arithmetic: saturates instead of overflowing on long values.
        let secs = value.bytes().fold(0u64, |n, b| {
            n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
        });
        return Some((secs as f64 * 1000.0).min(MAX_DELAY));
    }
    let at = parse_http_date(value)?;
    (at > now).then(|| (at - now).min(MAX_DELAY))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` → ms since the Unix epoch.
fn parse_http_date(s: &str) -> Option<f64> {
    let mut parts = s.split_ascii_whitespace();
    let _weekday = parts.next()?;
    // Unsigned parses reject signs; IMF-fixdate has a four-digit year,
    // which also keeps the arithmetic below far from overflowing.
    let day: i64 = parts.next()?.parse::<u8>().ok()?.into();
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse::<u16>().ok()?.into();
    let mut hms = parts.next()?.split(':');
    let h: i64 = hms.next()?.parse::<u8>().ok()?.into();
    let m: i64 = hms.next()?.parse::<u8>().ok()?.into();
    let sec: i64 = hms.next()?.parse::<u8>().ok()?.into();
    if parts.next()? != "GMT"
        || !(1..=31).contains(&day)
        || year > 9999
        || h > 23
        || m > 59
        || sec > 60
    {
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
