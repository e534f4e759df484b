//! The connection state machine: ready state, reconnection delay, backoff,
//! attempt counting, inactivity, and every decision about a response.
//!
//! It implements the "fail the connection", "reestablish the connection" and
//! response-handling rules of
//! [HTML § 9.2.3](https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model)
//! as a pure function of its inputs. Time is passed in as milliseconds of a
//! monotonic clock (drivers pass `performance.now()`); the machine never
//! reads a clock and draws jitter from an injected random source, so every
//! transition is testable natively on a fake clock.
//!
//! The machine owns the [`EventParser`] of the current connection, because
//! what the stream says (`retry:`, `id:`, too much buffered input) changes
//! what the connection does next.
//!
//! Each input returns one [`Action`] for a driver to carry out: the
//! JavaScript driver of the npm package and the Rust driver of the Rust API
//! both do exactly what it says and decide nothing themselves. Every fetch
//! gets a connection number; inputs about an older connection (a read that
//! rejects after its fetch was aborted, say) are ignored.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

pub use crate::error::{ErrorInfo, Failure, Reason};
use crate::http::{
    fetchable_scheme, is_cross_origin, is_event_stream, parse_retry_after, MAX_DELAY,
};
pub use crate::http::{Credentials, HeaderEncoding, ACCEPT, STREAM_URL};
use crate::options;
use crate::parser::{Batch, EventParser};

/// The most a source waits, in ms, before it reconnects after the browser
/// reports it is back online ([`PageEvent::Online`]): a random part
/// of it, so that the clients of a network coming back are spread out.
pub const ONLINE_JITTER: f64 = 250.0;

/// How long after `beforeunload` ([`PageEvent::Leaving`]) a failure
/// of the network is taken for the page leaving, in ms.
pub const LEAVE_GRACE: f64 = 3000.0;

/// What the page's life tells its sources ([`ReconnectState::on_page`]).
/// Drivers listen for it once per page, or worker, and tell every source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageEvent {
    /// `window.stop()`: stopping the document's fetches cancels a
    /// source with a fetch in flight (one `error`, CLOSED).
    Stop,
    /// `beforeunload`: the page may be about to leave.
    Leaving,
    /// The page entered the back/forward cache (`pagehide` with
    /// `persisted`) or was frozen (`freeze`).
    Freeze,
    /// The page came back (`pageshow` with `persisted`, or `resume`).
    Thaw,
    /// The browser went offline (`offline`, or `navigator.onLine` false
    /// when the source starts).
    Offline,
    /// The browser is back online (`online`).
    Online,
}

impl PageEvent {
    /// Every page event, in declaration order (the npm package's
    /// WebAssembly numbers them in this order).
    pub const ALL: [PageEvent; 6] = [
        PageEvent::Stop,
        PageEvent::Leaving,
        PageEvent::Freeze,
        PageEvent::Thaw,
        PageEvent::Offline,
        PageEvent::Online,
    ];
}

/// The standard's suggested initial reconnection time, in milliseconds.
pub const DEFAULT_RECONNECTION_TIME: f64 = options::INITIAL_DELAY.default;

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
            multiplier: options::MULTIPLIER.default,
            max_delay: options::MAX_DELAY.default,
            jitter: options::JITTER.default,
        }
    }
}

/// How a source connects and reconnects: the options of the JavaScript init
/// dictionary and of the Rust API's `Builder` that shape its
/// connection. [`Config::default`] is exactly the standard's behaviour, with
/// the defaults of both front ends.
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
    /// Also send the last event id in this query parameter.
    pub last_event_id_query_param: Option<String>,
    /// The request's credentials mode: the `credentials` option, else what
    /// `withCredentials` implies (`Include` when true, `SameOrigin` when
    /// false).
    pub credentials: Credentials,
    /// Requests go through an app-supplied fetch: every URL scheme is let
    /// through (it may know more schemes), and its rejections are its own
    /// (no CORS probe).
    pub custom_fetch: bool,
    /// A clean end of the response closes the source (one `error`, with
    /// [`Reason::BodyEnded`], CLOSED) instead of reconnecting: the end means
    /// done (see [`options::closes_on_end`]).
    pub close_on_end: bool,
    /// Redirects are refused (the `redirect` option's `"error"`, see
    /// [`options::refuses_redirects`]): each [`Request`] asks for `manual`
    /// mode, and a redirect the driver gets back fails the source.
    pub refuse_redirects: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            initial_delay: options::INITIAL_DELAY.default,
            backoff: Backoff::default(),
            max_attempts: None,
            retry_on_status: Vec::new(),
            inactivity_timeout: None,
            max_buffer_size: options::MAX_BUFFER_SIZE.default as usize,
            last_event_id: String::from(options::DEFAULT_LAST_EVENT_ID),
            last_event_id_query_param: None,
            credentials: Credentials::SameOrigin,
            custom_fetch: false,
            close_on_end: false,
            refuse_redirects: false,
        }
    }
}

/// What a driver knows about where it runs, which the machine's decisions
/// depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// The origin of the page or worker (`location.origin`), if it has one:
    /// a cross-origin request can be refused by CORS.
    pub page_origin: Option<String>,
    /// How the network stack writes header values
    /// ([`HeaderEncoding::for_user_agent`]).
    pub header_encoding: HeaderEncoding,
}

impl Default for Platform {
    /// No page origin (a server runtime), byte-per-character headers.
    fn default() -> Self {
        Platform {
            page_origin: None,
            header_encoding: HeaderEncoding::Bytes,
        }
    }
}

/// One attempt's request, as [`Action::Fetch`] asks for it. Besides these,
/// a driver sends the app's method, headers and body, `mode: "cors"` and
/// `cache: "no-store"`, and sets `Accept` to [`ACCEPT`] unless the app's
/// headers have one.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Connection number to pass back with every input about this fetch.
    pub conn: u32,
    /// The `Last-Event-ID` header to send, written for the network stack
    /// ([`HeaderEncoding::last_event_id_header`]); `None` sends none.
    pub last_event_id: Option<String>,
    /// Set this query parameter of the URL to this value
    /// (`url.searchParams.set(name, value)`): the
    /// `lastEventIdQueryParam` option.
    pub query: Option<(String, String)>,
    /// The credentials mode.
    pub credentials: Credentials,
    /// Fetch with `redirect: "manual"`, which gives a redirect back instead
    /// of following it: the source refuses redirects
    /// ([`Config::refuse_redirects`]). Otherwise `redirect: "follow"`, as
    /// the standard's request.
    pub refuse_redirects: bool,
    /// Arm the timer for this many ms (inactivity).
    pub timer: Option<f64>,
}

/// A response, as far as the machine needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The response's URL after redirects (`Response.url`); empty when the
    /// response has none (one an app's fetch made up).
    pub url: &'a str,
    /// The `Content-Type` header, if any.
    pub content_type: Option<&'a str>,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<&'a str>,
    /// fetch gave back an opaque redirect (a browser's answer to a redirect
    /// in `manual` mode: status 0, no `Location`). A server runtime gives
    /// back the redirect itself, recognised by its status.
    pub opaque_redirect: bool,
}

/// What the driver must do after an input.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Nothing.
    None,
    /// Start a fetch.
    Fetch(Request),
    /// The ready state is now OPEN: fire `open`, then read the body.
    /// Messages until the next `Open` have the origin of this URL, as the
    /// URL standard serializes it (`new URL(url).origin`: the platform's URL
    /// parser computes it).
    Open {
        /// The URL whose origin the messages carry: the response's URL
        /// after redirects, or the source's own URL (or
        /// [`STREAM_URL`], whose origin is opaque).
        url: String,
    },
    /// The fetch failed before a response, and it was a cross-origin
    /// request: send a `no-cors` `HEAD` to the same URL (no credentials, no
    /// cache) and report with [`ReconnectState::on_probe`] whether the server
    /// answered. fetch rejects with the same `TypeError` for a CORS refusal
    /// and a network failure; the standard fails the connection for the
    /// first and reconnects after the second.
    Probe,
    /// Abort the current fetch, arm the timer for the event's
    /// `retry_delay` and fire `error`; the ready state is now CONNECTING.
    Retry(Failure),
    /// Abort the current fetch, drop the timer and fire `error`; the ready
    /// state is now CLOSED. Never reconnect.
    Fail(Failure),
    /// Re-arm the timer for this many ms.
    Timer(f64),
    /// Abort the current fetch and drop the timer, firing nothing: the
    /// document went into the back/forward cache (see
    /// [`PageEvent::Freeze`]). The ready state is now CONNECTING.
    Abort,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Created, nothing started.
    Idle,
    /// A fetch is in flight, no response yet.
    Fetching,
    /// The fetch failed; the CORS probe is in flight.
    Probing,
    /// The response was announced; the body is being read.
    Streaming,
    /// Waiting for the reconnection timer.
    Waiting,
    /// The document is in the back/forward cache (or frozen): no
    /// connection, until it is restored.
    Frozen,
    /// The document may be leaving and its connection was cut: no
    /// connection, until it enters the cache or the leave grace ends.
    Parked,
    /// Closed for good.
    Closed,
}

/// The state of one source's connection. See the module docs.
pub struct ReconnectState {
    config: Config,
    platform: Platform,
    parser: EventParser,
    phase: Phase,
    ready_state: ReadyState,
    /// The source's URL.
    url: String,
    /// The source reads a stream the page supplied: no request, and no
    /// reconnection.
    supplied: bool,
    /// The reconnection time: `initial_delay` until a `retry:` field sets it.
    base_delay: f64,
    attempts: u32,
    conn: u32,
    last_activity: f64,
    /// The front end is not taking events, so the body is not being read.
    suspended: bool,
    /// The exception message of a failed fetch, while the probe runs.
    probed_detail: String,
    /// The browser reports it is offline (`navigator.onLine` false).
    offline: bool,
    /// The wait in progress follows a failure of the network (not a delay
    /// the server chose): coming back online ends it.
    network_wait: bool,
    /// The wait in progress is one the server asked for (`Retry-After`, a
    /// retried status): going offline and back does not end it.
    server_wait: bool,
    /// Until this time the document may be leaving (`beforeunload`).
    leaving_until: f64,
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
    pub fn new(config: Config, platform: Platform, random: Box<dyn FnMut() -> f64>) -> Self {
        let mut parser = EventParser::with_max_buffer_size(config.max_buffer_size);
        parser.set_last_event_id(&config.last_event_id);
        ReconnectState {
            base_delay: config.initial_delay,
            config,
            platform,
            parser,
            phase: Phase::Idle,
            ready_state: ReadyState::Connecting,
            url: String::new(),
            supplied: false,
            attempts: 0,
            conn: 0,
            last_activity: 0.0,
            suspended: false,
            probed_detail: String::new(),
            offline: false,
            network_wait: false,
            server_wait: false,
            leaving_until: f64::NEG_INFINITY,
            random,
        }
    }

    /// The configuration the machine was made with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The configuration, to complete before [`connect`](Self::connect).
    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.config
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
        self.url = String::from(url);
        // [spec] Only schemes fetch can load may connect; others fail
        // the connection instead of retrying.
        if !self.config.custom_fetch && !fetchable_scheme(url) {
            return self.fail(Reason::Scheme, None, "");
        }
        self.start_fetch(now)
    }

    /// Start reading a stream the page supplied (`fromReadableStream()`):
    /// there is no request, so the connection is announced at once (OPEN,
    /// `open`), with the opaque origin of [`STREAM_URL`]. Its inputs carry connection number 1
    /// ([`Self::conn`]). A stream cannot be fetched again: its end, or its
    /// error, fails the source.
    pub fn connect_stream(&mut self, now: f64) -> Action {
        if self.phase != Phase::Idle {
            return Action::None;
        }
        self.supplied = true;
        self.conn = 1;
        self.last_activity = now;
        self.open();
        Action::Open {
            url: String::from(STREAM_URL),
        }
    }

    /// `reset()`: discard the buffered, incomplete input (a partial line and
    /// the event being assembled), so a fresh stream can follow. The last
    /// event id and the reconnection time are kept.
    pub fn reset(&mut self) {
        if self.phase != Phase::Closed {
            self.parser.reset();
        }
    }

    /// A response arrived for fetch `conn` (after redirects). `wall_now` is
    /// the wall clock (ms since the Unix epoch), which an HTTP-date in
    /// `Retry-After` is read against; every other duration is on the
    /// monotonic clock of `now`.
    pub fn on_response(
        &mut self,
        now: f64,
        wall_now: f64,
        conn: u32,
        response: &Response<'_>,
    ) -> Action {
        if !self.is_current(conn) || self.phase != Phase::Fetching {
            return Action::None;
        }
        self.last_activity = now;
        let status = response.status;
        if self.config.refuse_redirects
            && (response.opaque_redirect || options::REDIRECT_STATUSES.contains(&status))
        {
            // The app refused redirects, which would carry its headers to
            // another address: fail, retrying cannot help. (A browser's
            // opaque redirect has status 0.)
            return self.fail(Reason::Redirect, (status != 0).then_some(status), "");
        }
        if status != 200 && self.config.retry_on_status.contains(&status) {
            let floor = response
                .retry_after
                .and_then(|v| parse_retry_after(v, wall_now));
            return self.reestablish(Reason::Status, Some(status), floor, "");
        }
        // [spec] Any status other than 200 fails the connection (204 is how
        // a server says "stop reconnecting"); redirects were followed by
        // fetch, unless refused (above).
        if status != 200 {
            return self.fail(Reason::Status, Some(status), "");
        }
        // [spec] The MIME type essence must be text/event-stream;
        // parameters such as charset are ignored.
        let content_type = response.content_type.unwrap_or("");
        if !is_event_stream(content_type) {
            return self.fail(Reason::ContentType, Some(status), content_type);
        }
        // [spec] Messages have the origin of the response's final URL (a
        // response an app's fetch made up has none: the source's URL).
        let url = if response.url.is_empty() {
            &self.url
        } else {
            response.url
        };
        let url = String::from(url);
        self.open();
        Action::Open { url }
    }

    /// [spec] Announce the connection: set OPEN (the driver fires `open`).
    fn open(&mut self) {
        self.phase = Phase::Streaming;
        self.ready_state = ReadyState::Open;
        self.parser.reset();
    }

    /// Body bytes of fetch `conn` arrived. Complete events are appended to
    /// `out`; the driver dispatches them, then reports it with
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
        self.fail(Reason::Overflow, Some(200), "")
    }

    /// The body of fetch `conn` ended normally.
    pub fn on_body_end(&mut self, conn: u32) -> Action {
        if !self.is_current(conn) || self.phase != Phase::Streaming {
            return Action::None;
        }
        if self.config.close_on_end {
            // The app said the end means done (streamEnd "close"): fail the
            // connection, so nothing is sent again.
            return self.fail(Reason::BodyEnded, Some(200), "");
        }
        // [spec] Body ends: reestablish the connection.
        self.reestablish(Reason::BodyEnded, Some(200), None, "")
    }

    /// Fetch `conn` rejected before a response, at `now`. `aborted` when it
    /// rejected with an `AbortError` (the driver aborts only fetches the
    /// machine has left, so this one the page stopped: `window.stop()`);
    /// `detail` is the exception's message.
    pub fn on_fetch_error(&mut self, now: f64, conn: u32, aborted: bool, detail: &str) -> Action {
        if !self.is_current(conn) || self.phase != Phase::Fetching {
            return Action::None;
        }
        if aborted {
            return self.fail(Reason::Aborted, None, detail);
        }
        if now < self.leaving_until {
            return self.park(now);
        }
        // A custom fetch rejects for reasons of its own: not probed.
        if !self.config.custom_fetch
            && is_cross_origin(self.platform.page_origin.as_deref(), &self.url)
        {
            self.phase = Phase::Probing;
            self.probed_detail = String::from(detail);
            return Action::Probe;
        }
        // [spec] A network error reestablishes the connection.
        self.reestablish(Reason::Network, None, None, detail)
    }

    /// The probe of [`Action::Probe`] for fetch `conn` settled: `answered`
    /// when the server answered it (so CORS refused the request), false when
    /// it failed too (the network).
    pub fn on_probe(&mut self, conn: u32, answered: bool) -> Action {
        if !self.is_current(conn) || self.phase != Phase::Probing {
            return Action::None;
        }
        let detail = core::mem::take(&mut self.probed_detail);
        if answered {
            // [spec] A CORS failure is a network error "with the CORS flag",
            // and the processing model fails the connection for it: retrying
            // cannot help, and native EventSource does not.
            self.fail(Reason::Cors, None, &detail)
        } else {
            self.reestablish(Reason::Network, None, None, &detail)
        }
    }

    /// Reading fetch `conn`'s body failed, at `now`; `aborted` and `detail`
    /// as for [`on_fetch_error`](Self::on_fetch_error). A supplied stream
    /// that errors reports here too.
    pub fn on_body_error(&mut self, now: f64, conn: u32, aborted: bool, detail: &str) -> Action {
        if !self.is_current(conn) || self.phase != Phase::Streaming {
            return Action::None;
        }
        if aborted {
            return self.fail(Reason::Aborted, Some(200), detail);
        }
        if now < self.leaving_until && !self.supplied {
            return self.park(now);
        }
        // [spec] A network error reestablishes the connection.
        self.reestablish(Reason::BodyError, Some(200), None, detail)
    }

    /// Preparing fetch `conn`'s request failed: a `headers` or `body`
    /// function threw or rejected (`detail`: its message).
    pub fn on_setup_error(&mut self, conn: u32, detail: &str) -> Action {
        if !self.is_current(conn) || self.phase != Phase::Fetching {
            return Action::None;
        }
        self.reestablish(Reason::Setup, None, None, detail)
    }

    /// Something in the page's life that reaches its connections, at `now`:
    /// see [`PageEvent`].
    pub fn on_page(&mut self, event: PageEvent, now: f64) -> Action {
        match event {
            PageEvent::Stop => self.stop(),
            PageEvent::Leaving => {
                self.leaving(now);
                Action::None
            }
            PageEvent::Freeze => self.freeze(),
            PageEvent::Thaw => self.thaw(now),
            PageEvent::Offline => {
                self.offline();
                Action::None
            }
            PageEvent::Online => self.online(),
        }
    }

    /// The page stopped its fetches (`window.stop()`).
    fn stop(&mut self) -> Action {
        let status = match self.phase {
            Phase::Fetching | Phase::Probing => None,
            Phase::Streaming => Some(200),
            _ => return Action::None,
        };
        // [spec] Stopping the document's fetches cancels the source too.
        self.fail(Reason::Aborted, status, "")
    }

    /// The document entered the back/forward cache (`pagehide` with
    /// `persisted`), or was frozen (`freeze`). As the proposed standard
    /// (whatwg/html#12381) says, the connection is let go: abort the fetch,
    /// queue nothing for later, fire no `error`. The ready state reads
    /// CONNECTING until the document is restored, and an event that had not
    /// ended yet is dropped, as at any reconnection. A closed or failed
    /// source stays as it is; so does one reading a supplied stream, whose
    /// owner decides.
    fn freeze(&mut self) -> Action {
        if self.supplied
            || !matches!(
                self.phase,
                Phase::Fetching
                    | Phase::Probing
                    | Phase::Streaming
                    | Phase::Waiting
                    | Phase::Frozen
                    | Phase::Parked
            )
        {
            return Action::None;
        }
        self.parser.finish();
        self.phase = Phase::Frozen;
        self.ready_state = ReadyState::Connecting;
        // (Parked after `PageEvent::Leaving`: the abort drops its timer.)
        Action::Abort
    }

    /// The document may be about to leave (`beforeunload`). Some engines
    /// (WebKit) cut its connections before `pagehide` says whether it goes
    /// into the back/forward cache, so for [`LEAVE_GRACE`] ms a failure of
    /// the network fires no `error`: the source lets the connection go as
    /// in [`PageEvent::Freeze`], and reconnects when the grace
    /// runs out if the page stayed after all (a download link, a cancelled
    /// prompt).
    fn leaving(&mut self, now: f64) {
        self.leaving_until = now + LEAVE_GRACE;
    }

    /// A failure of the network while the document may be leaving: let the
    /// connection go without an error, and come back when the grace ends.
    fn park(&mut self, now: f64) -> Action {
        self.parser.finish();
        self.phase = Phase::Parked;
        self.ready_state = ReadyState::Connecting;
        Action::Timer((self.leaving_until - now).max(0.0))
    }

    /// The document came back from the back/forward cache (`pageshow` with
    /// `persisted`, or `resume`): reconnect at once, with the last event
    /// id, no `error` and no delay (whatwg/html#12381).
    fn thaw(&mut self, now: f64) -> Action {
        if !matches!(self.phase, Phase::Frozen | Phase::Parked) {
            return Action::None;
        }
        self.start_fetch(now)
    }

    /// The browser reports it went offline (`offline`, or `navigator.onLine`
    /// false when the source starts). Until it is back, attempts that fail
    /// for the network neither grow the backoff nor count toward
    /// `max_attempts`.
    fn offline(&mut self) {
        self.offline = true;
        // Gone offline while waiting (the connection may have ended before
        // the browser noticed): coming back ends the wait, unless the
        // server asked for it (`Retry-After`, a retried status).
        if self.phase == Phase::Waiting && !self.server_wait {
            self.network_wait = true;
        }
    }

    /// The browser reports it is back online (`online`). A source waiting to
    /// reconnect after a failure of the network reconnects at once, after a
    /// little jitter (up to [`ONLINE_JITTER`] ms) so that every client of a
    /// network coming back does not arrive in the same millisecond. A delay
    /// the server chose (`Retry-After`, a retried status) is still waited
    /// out, and so is the reconnection time after the body ended, unless
    /// the browser was offline when it ended or went offline since.
    fn online(&mut self) -> Action {
        self.offline = false;
        if self.phase == Phase::Waiting && self.network_wait {
            self.network_wait = false;
            let r = (self.random)().clamp(0.0, 1.0);
            return Action::Timer(r * ONLINE_JITTER);
        }
        Action::None
    }

    /// The front end stopped taking events (backpressure), so the driver
    /// stops reading the body: until [`resume`](Self::resume), silence
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
            // [spec] After the wait, connect again if still CONNECTING. (A
            // timer while parked is the end of a leave that did not happen.)
            Phase::Waiting | Phase::Parked => self.start_fetch(now),
            Phase::Fetching | Phase::Probing | Phase::Streaming => {
                match self.config.inactivity_timeout {
                    // Not reading while suspended: check again a full period later.
                    Some(limit) if self.suspended => Action::Timer(limit),
                    Some(limit) => {
                        let idle = now - self.last_activity;
                        if idle >= limit {
                            let status = (self.phase == Phase::Streaming).then_some(200);
                            self.reestablish(Reason::Inactivity, status, None, "")
                        } else {
                            Action::Timer(limit - idle)
                        }
                    }
                    None => Action::None,
                }
            }
            Phase::Idle | Phase::Frozen | Phase::Closed => Action::None,
        }
    }

    /// `close()`: the ready state becomes CLOSED and every later input is
    /// ignored. Returns `false` when it was already closed. The driver
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
        // [spec] Reconnects carry the last event id, when not empty, as
        // its UTF-8 bytes.
        let id = self.parser.last_event_id();
        let (last_event_id, query) = if id.is_empty() {
            (None, None)
        } else {
            let query = self
                .config
                .last_event_id_query_param
                .as_ref()
                .map(|name| (name.clone(), String::from(id)));
            (
                self.platform.header_encoding.last_event_id_header(id),
                query,
            )
        };
        Action::Fetch(Request {
            conn: self.conn,
            last_event_id,
            query,
            credentials: self.config.credentials,
            refuse_redirects: self.config.refuse_redirects,
            timer: self.config.inactivity_timeout,
        })
    }

    fn error(
        &self,
        reason: Reason,
        status: Option<u16>,
        retry_delay: Option<u64>,
        gave_up: bool,
        detail: &str,
    ) -> Failure {
        Failure {
            info: ErrorInfo {
                reason,
                status,
                retry_delay,
                attempt: self.attempts,
                gave_up,
                supplied: self.supplied,
            },
            detail: String::from(detail),
            max_buffer_size: self.config.max_buffer_size,
            inactivity_timeout: self.config.inactivity_timeout,
        }
    }

    fn fail(&mut self, reason: Reason, status: Option<u16>, detail: &str) -> Action {
        self.close_with(reason, status, false, detail)
    }

    fn close_with(
        &mut self,
        reason: Reason,
        status: Option<u16>,
        gave_up: bool,
        detail: &str,
    ) -> Action {
        // [spec] Fail the connection: set CLOSED, fire error, never reconnect.
        self.phase = Phase::Closed;
        self.ready_state = ReadyState::Closed;
        self.parser.reset();
        Action::Fail(self.error(reason, status, None, gave_up, detail))
    }

    /// `floor` is a server-requested minimum delay (`Retry-After`).
    fn reestablish(
        &mut self,
        reason: Reason,
        status: Option<u16>,
        floor: Option<f64>,
        detail: &str,
    ) -> Action {
        // [spec] An event without its closing blank line is discarded.
        self.parser.finish();
        if self.supplied {
            // A supplied stream cannot be asked for again.
            return self.fail(reason, status, detail);
        }
        // While the browser is offline an end of the body is the network's
        // too: some engines (WebKit) report a cut connection as an end.
        let network = matches!(
            reason,
            Reason::Network | Reason::BodyError | Reason::Inactivity
        ) || (reason == Reason::BodyEnded && self.offline);
        // While the browser is offline, failures of the network are not
        // the server's: they do not grow the backoff or use up attempts.
        let counts = !(network && self.offline);
        if let Some(max) = self.config.max_attempts {
            if counts && self.attempts >= max {
                return self.close_with(reason, status, true, detail);
            }
        }
        let delay = self.next_delay().max(floor.unwrap_or(0.0)).min(MAX_DELAY);
        if counts {
            self.attempts = self.attempts.saturating_add(1);
        }
        self.network_wait = network && floor.is_none();
        self.server_wait = floor.is_some() || reason == Reason::Status;
        // [spec] Reestablish: set CONNECTING, fire error, wait.
        self.phase = Phase::Waiting;
        self.ready_state = ReadyState::Connecting;
        // Whole milliseconds: what the event reports is what the timer waits.
        let ms = (delay + 0.5) as u64;
        Action::Retry(self.error(reason, status, Some(ms), false, detail))
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
