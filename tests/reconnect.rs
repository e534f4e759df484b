#![cfg(not(target_arch = "wasm32"))]
//! Native scenario tests of the connection state machine (`src/reconnect.rs`)
//! on a fake clock.
//!
//! Each scenario is a script of inputs (`connect`, a response, body bytes,
//! the body's end, a network error, the timer, `close()`), each at a given
//! time, with the [`Action`] and ready state expected after it. The scripts
//! follow the standard's "Response handling", "Fail the connection",
//! "Reestablish the connection" and `close()` rules (HTML § 9.2.3), then
//! each opt-in policy: backoff with jitter, `max_attempts`, `retry_on_status`
//! with `Retry-After`, the inactivity timeout and the buffer limit.
//!
//! The standard's rules are cited by section of
//! [HTML § 9.2](https://html.spec.whatwg.org/multipage/server-sent-events.html).

use std::cell::Cell;
use std::rc::Rc;

use wasm_eventsource::http::{fetchable_scheme, is_event_stream, parse_retry_after, MAX_DELAY};
use wasm_eventsource::options::{
    allows_body, closes_on_end, is_valid_host, refuses_redirects, REDIRECT_VALUES,
    STREAM_END_VALUES,
};
use wasm_eventsource::parser::Batch;
use wasm_eventsource::reconnect::{
    Action, Backoff, Config, Credentials, ErrorInfo, Failure, HeaderEncoding, PageEvent, Platform,
    ReadyState, Reason, ReconnectState, Request, DEFAULT_RECONNECTION_TIME, LEAVE_GRACE,
    ONLINE_JITTER,
};

use ReadyState::{Closed, Connecting, Open};

const URL: &str = "https://example.test/events";
const SSE: Option<&str> = Some("text/event-stream");
/// A known instant: 2023-11-14T22:13:20Z, in ms since the Unix epoch.
const EPOCH: f64 = 1_700_000_000_000.0;

// ------------------------------------------------------------------ driver

/// One input to the machine.
#[derive(Debug, Clone, Copy)]
enum In<'a> {
    Connect(&'a str),
    /// `on_response(conn, status, content_type, retry_after)`.
    Response(u32, u16, Option<&'a str>, Option<&'a str>),
    /// A redirect fetch gave back (`manual` mode), of this status (0: a
    /// browser's opaque redirect).
    Redirected(u32, u16),
    Body(u32, &'a [u8]),
    End(u32),
    /// A failure of connection `conn`: before a response for `Network`
    /// (its CORS probe unanswered), `Cors` (answered) and `Setup`; while
    /// reading the body for `BodyError`; either for `Aborted` (an
    /// `AbortError`: the page stopped it).
    NetErr(u32, Reason),
    Timer,
    /// `close()`, with the `bool` it must return.
    Close(bool),
    /// The front end stops taking events (`suspend()`), or takes them
    /// again (`resume(now)`).
    Suspend,
    Resume,
    /// `window.stop()` (`PageEvent::Stop`).
    Stop,
    /// The document may be about to leave (`PageEvent::Leaving`, `beforeunload`).
    Leaving,
    /// The document enters the back/forward cache (`PageEvent::Freeze`), or
    /// comes back (`PageEvent::Thaw`).
    Freeze,
    Thaw,
    /// The browser reports it went offline, or is back online.
    Offline,
    Online,
}
use In::*;

/// Steps of a scenario: at this time, this input gives this action and
/// leaves this ready state.
type Script<'a> = &'a [(f64, In<'a>, Action, ReadyState)];

/// A [`ReconnectState`] plus the fake clock and the events dispatched so far.
struct Driver {
    m: ReconnectState,
    batch: Batch,
    /// Events dispatched so far: (type, data, last event id).
    events: Vec<(String, String, String)>,
}

impl Driver {
    /// A machine whose random source must not be called (no jitter).
    fn new(config: Config) -> Self {
        Self::with_random(
            config,
            Box::new(|| -> f64 { panic!("the random source is only for jitter") }),
        )
    }

    fn with_random(config: Config, random: Box<dyn FnMut() -> f64>) -> Self {
        Driver {
            // A page on another origin than URL's, so a fetch that fails
            // before a response is probed for CORS.
            m: ReconnectState::new(config, page(), random),
            batch: Batch::new(),
            events: Vec::new(),
        }
    }

    /// Feeds one input at time `now` and returns the action, without the
    /// error's message (`tests/error.rs` checks the wording).
    fn input(&mut self, now: f64, input: In) -> Action {
        match self.raw_input(now, input) {
            Action::Retry(f) => Action::Retry(unworded(f.info)),
            Action::Fail(f) => Action::Fail(unworded(f.info)),
            other => other,
        }
    }

    /// Feeds one input at time `now` and returns the action.
    fn raw_input(&mut self, now: f64, input: In) -> Action {
        match input {
            Connect(url) => self.m.connect(now, url),
            // The tests' clock is a wall clock too (ms since the epoch), so
            // it also dates Retry-After here.
            Response(conn, status, content_type, retry_after) => {
                let response = wasm_eventsource::reconnect::Response {
                    status,
                    url: "",
                    content_type,
                    retry_after,
                    opaque_redirect: false,
                };
                self.m.on_response(now, now, conn, &response)
            }
            Redirected(conn, status) => {
                let response = wasm_eventsource::reconnect::Response {
                    status,
                    url: "",
                    content_type: None,
                    retry_after: None,
                    opaque_redirect: status == 0,
                };
                self.m.on_response(now, now, conn, &response)
            }
            // A chunk, its events handed to the front end, then what the
            // chunk decided.
            Body(conn, bytes) => {
                self.m.on_body(now, conn, bytes, &mut self.batch);
                for e in self.batch.iter() {
                    self.events.push((
                        e.event_type.into_owned(),
                        e.data.into_owned(),
                        e.last_event_id.into_owned(),
                    ));
                }
                self.batch.clear();
                self.m.on_delivered(conn)
            }
            End(conn) => self.m.on_body_end(conn),
            NetErr(conn, reason) => self.fail(now, conn, reason),
            Timer => self.m.on_timer(now),
            Close(expect) => {
                assert_eq!(self.m.close(), expect, "close() at {now}");
                Action::None
            }
            Suspend => {
                self.m.suspend();
                Action::None
            }
            Resume => {
                self.m.resume(now);
                Action::None
            }
            Stop => self.m.on_page(PageEvent::Stop, now),
            Leaving => self.m.on_page(PageEvent::Leaving, now),
            Freeze => self.m.on_page(PageEvent::Freeze, now),
            Thaw => self.m.on_page(PageEvent::Thaw, now),
            Offline => self.m.on_page(PageEvent::Offline, now),
            Online => self.m.on_page(PageEvent::Online, now),
        }
    }

    /// Reports failure `reason` of connection `conn` the way a driver meets
    /// it, answering a CORS probe when the machine asks for one.
    fn fail(&mut self, now: f64, conn: u32, reason: Reason) -> Action {
        let action = match reason {
            Reason::Network | Reason::Cors => self.m.on_fetch_error(now, conn, false, ""),
            Reason::Setup => self.m.on_setup_error(conn, ""),
            Reason::BodyError => self.m.on_body_error(now, conn, false, ""),
            Reason::Aborted if self.m.ready_state() == Open => {
                self.m.on_body_error(now, conn, true, "")
            }
            Reason::Aborted => self.m.on_fetch_error(now, conn, true, ""),
            other => panic!("{other:?} is not a failure a driver reports"),
        };
        if action == Action::Probe {
            return self.m.on_probe(conn, reason == Reason::Cors);
        }
        action
    }

    /// Replays `script`, checking the action and ready state after each step.
    fn run(&mut self, script: Script) -> &mut Self {
        for (i, (now, input, want, state)) in script.iter().enumerate() {
            let got = self.input(*now, *input);
            assert_eq!(&got, want, "step {i}: {input:?} at {now}");
            assert_eq!(
                self.m.ready_state(),
                *state,
                "step {i}: ready state after {input:?}"
            );
        }
        self
    }

    /// Every input, for every connection number up to the next one, does
    /// nothing and leaves the ready state alone.
    fn assert_inert(&mut self, now: f64) {
        let state = self.m.ready_state();
        let events = self.events.len();
        for conn in 0..=self.m.conn() + 1 {
            for input in [
                Connect(URL),
                Response(conn, 200, SSE, None),
                Response(conn, 503, SSE, Some("1")),
                Body(conn, b"data: late\n\n"),
                End(conn),
                NetErr(conn, Reason::Network),
                NetErr(conn, Reason::BodyError),
                Timer,
            ] {
                assert_eq!(self.input(now, input), Action::None, "{input:?}");
                assert_eq!(self.m.ready_state(), state, "{input:?}");
            }
        }
        assert_eq!(self.events.len(), events, "nothing dispatched");
    }

    /// The data of the events dispatched so far.
    fn data(&self) -> Vec<&str> {
        self.events.iter().map(|e| e.1.as_str()).collect()
    }
}

/// The page every test machine runs in: another origin than [`URL`]'s.
fn page() -> Platform {
    Platform {
        page_origin: Some("https://page.test".into()),
        header_encoding: HeaderEncoding::Bytes,
    }
}

/// An error with only its fields (`tests/error.rs` checks the wording).
fn unworded(info: ErrorInfo) -> Failure {
    Failure {
        info,
        detail: String::new(),
        max_buffer_size: 0,
        inactivity_timeout: None,
    }
}

fn fetch(conn: u32, last_event_id: &str) -> Action {
    Action::Fetch(Request {
        conn,
        last_event_id: (!last_event_id.is_empty())
            .then(|| last_event_id.bytes().map(char::from).collect()),
        query: None,
        credentials: Credentials::SameOrigin,
        refuse_redirects: false,
        timer: None,
    })
}

fn fetch_timed(conn: u32, timer: f64) -> Action {
    Action::Fetch(Request {
        conn,
        last_event_id: None,
        query: None,
        credentials: Credentials::SameOrigin,
        refuse_redirects: false,
        timer: Some(timer),
    })
}

/// The index of the option value `given` among `values`, as the front ends pass it.
fn index_of(values: &[&str], given: Option<&str>) -> Option<usize> {
    given.map(|g| {
        values
            .iter()
            .position(|v| *v == g)
            .expect("a value of the option")
    })
}

/// `action`, a fetch, as a source that refuses redirects asks for it.
fn refusing(action: Action) -> Action {
    let Action::Fetch(request) = action else {
        panic!("not a fetch: {action:?}")
    };
    Action::Fetch(Request {
        refuse_redirects: true,
        ..request
    })
}

/// `open` for a response whose URL is [`URL`] (the test driver's responses
/// have none of their own: a made-up response, the source's URL counts).
fn opened() -> Action {
    Action::Open { url: URL.into() }
}

fn error(
    reason: Reason,
    status: Option<u16>,
    delay: Option<f64>,
    attempt: u32,
    gave_up: bool,
) -> Failure {
    unworded(ErrorInfo {
        reason,
        status,
        retry_delay: delay.map(|ms| ms.round() as u64),
        attempt,
        gave_up,
        supplied: false,
    })
}

fn retry(reason: Reason, status: Option<u16>, delay: f64, attempt: u32) -> Action {
    Action::Retry(error(reason, status, Some(delay), attempt, false))
}

fn fail(reason: Reason, status: Option<u16>, attempt: u32) -> Action {
    Action::Fail(error(reason, status, None, attempt, false))
}

/// A `Fail` because `max_attempts` ran out.
fn gave_up(reason: Reason, status: Option<u16>, attempt: u32) -> Action {
    Action::Fail(error(reason, status, None, attempt, true))
}

/// The delay of a `Retry`, panicking on any other action.
fn delay_of(action: &Action) -> f64 {
    match action {
        Action::Retry(f) => f.info.retry_delay.map_or(f64::NAN, |ms| ms as f64),
        other => panic!("expected Retry, got {other:?}"),
    }
}

/// The attempt of a `Retry` or `Fail`.
fn attempt_of(action: &Action) -> u32 {
    match action {
        Action::Retry(f) | Action::Fail(f) => f.info.attempt,
        other => panic!("expected an error, got {other:?}"),
    }
}

const NONE: Action = Action::None;

/// A driver that has connected (conn 1) and opened.
fn open(config: Config) -> Driver {
    let mut d = Driver::new(config);
    d.run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (10.0, Response(1, 200, SSE, None), opened(), Open),
    ]);
    d
}

/// Drops the current connection before a response, then lets the timer start
/// the next one; returns the `Retry`.
fn drop_and_refetch(d: &mut Driver, now: f64) -> Action {
    let conn = d.m.conn();
    let action = d.input(now, NetErr(conn, Reason::Network));
    if matches!(action, Action::Retry(_)) {
        assert!(matches!(d.input(now, Timer), Action::Fetch(_)));
    }
    action
}

/// A deterministic source of numbers in `[0, 1)` (64-bit LCG, top 53 bits).
fn lcg(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    }
}

// ------------------------------------------------------------------ connect and scheme

#[test]
fn connect_fetches_conn_1_without_id() {
    let mut d = Driver::new(Config::default());
    assert_eq!(d.m.ready_state(), Connecting, "starts CONNECTING");
    d.run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (1.0, Connect(URL), NONE, Connecting),
        (2.0, Timer, NONE, Connecting),
    ]);
    assert_eq!(d.m.conn(), 1);
    assert_eq!(d.m.last_event_id(), "");
    assert_eq!(d.m.reconnection_time(), DEFAULT_RECONNECTION_TIME);
}

#[test]
fn inputs_before_connect_do_nothing() {
    let mut d = Driver::new(Config::default());
    for input in [
        Response(0, 200, SSE, None),
        Response(1, 200, SSE, None),
        Body(1, b"data: x\n\n"),
        End(1),
        NetErr(1, Reason::Network),
        Timer,
    ] {
        assert_eq!(d.input(0.0, input), NONE, "{input:?}");
        assert_eq!(d.m.ready_state(), Connecting);
    }
    assert_eq!(d.input(1.0, Connect(URL)), fetch(1, ""));
}

#[test]
fn scheme_table() {
    // (url, fetchable)
    let table: &[(&str, bool)] = &[
        ("http://example.test/", true),
        ("https://example.test/", true),
        ("HTTPS://EXAMPLE.TEST/", true),
        ("Http://example.test/", true),
        ("blob:https://example.test/0b1c", true),
        ("data:text/event-stream,data%3A%20x%0A%0A", true),
        ("ftp://example.test/", false),
        ("ws://example.test/", false),
        ("wss://example.test/", false),
        ("javascript:alert(1)", false),
        ("mailto:someone@example.test", false),
        ("file:///etc/passwd", false),
        ("about:blank", false),
        ("httpx://example.test/", false),
        ("http", false),
        ("", false),
    ];
    for &(url, ok) in table {
        assert_eq!(fetchable_scheme(url), ok, "fetchable_scheme({url:?})");

        let mut d = Driver::new(Config::default());
        let got = d.input(0.0, Connect(url));
        if ok {
            assert_eq!(got, fetch(1, ""), "{url}");
            assert_eq!(d.m.ready_state(), Connecting, "{url}");
        } else {
            assert_eq!(got, fail(Reason::Scheme, None, 0), "{url}");
            assert_eq!(d.m.ready_state(), Closed, "{url}");
            d.assert_inert(1.0);
            assert!(!d.m.close(), "{url}: already closed");
        }

        let mut any = Driver::new(Config {
            custom_fetch: true,
            ..Config::default()
        });
        assert_eq!(
            any.input(0.0, Connect(url)),
            fetch(1, ""),
            "custom_fetch {url}"
        );
    }
}

// ------------------------------------------------------------------ response handling

#[test]
fn content_type_table() {
    // (Content-Type, opens)
    let table: &[(Option<&str>, bool)] = &[
        (Some("text/event-stream"), true),
        (Some("text/event-stream; charset=utf-8"), true),
        (Some("text/event-stream;charset=UTF-8"), true),
        (Some("text/event-stream;charset=iso-8859-1"), true),
        (Some("TEXT/Event-Stream"), true),
        (Some(" text/event-stream "), true),
        (Some("\ttext/event-stream\t; x=y"), true),
        (Some("text/event-stream;"), true),
        (Some("text/plain"), false),
        (None, false),
        (Some(""), false),
        (Some("text/event-streams"), false),
        (Some("text/event-stream+x"), false),
        (Some("text/event"), false),
        (Some("application/event-stream"), false),
        (Some("text /event-stream"), false),
    ];
    for &(ct, opens) in table {
        if let Some(ct) = ct {
            assert_eq!(is_event_stream(ct), opens, "is_event_stream({ct:?})");
        }
        let mut d = Driver::new(Config::default());
        d.input(0.0, Connect(URL));
        let got = d.input(5.0, Response(1, 200, ct, None));
        if opens {
            assert_eq!(got, opened(), "{ct:?}");
            assert_eq!(d.m.ready_state(), Open, "{ct:?}");
        } else {
            assert_eq!(got, fail(Reason::ContentType, Some(200), 0), "{ct:?}");
            assert_eq!(d.m.ready_state(), Closed, "{ct:?}");
            d.assert_inert(10.0);
        }
    }
}

#[test]
fn non_200_status_fails_and_never_reconnects() {
    for status in [204, 404, 500, 301, 307, 201, 206, 503, 429] {
        let mut d = Driver::new(Config::default());
        d.run(&[
            (0.0, Connect(URL), fetch(1, ""), Connecting),
            (
                5.0,
                Response(1, status, SSE, Some("1")),
                fail(Reason::Status, Some(status), 0),
                Closed,
            ),
        ]);
        d.assert_inert(100_000.0);
        assert!(!d.m.close(), "{status}: already closed");
    }
}

#[test]
fn body_events_then_end_reconnects_with_last_event_id() {
    let mut d = open(Config::default());
    d.run(&[
        (20.0, Body(1, b"id: 1\ndata: one\n\n"), NONE, Open),
        (30.0, Body(1, b"id: 2\ndata: t"), NONE, Open),
        (40.0, Body(1, b"wo\n\n"), NONE, Open),
        (
            50.0,
            End(1),
            retry(Reason::BodyEnded, Some(200), 3000.0, 1),
            Connecting,
        ),
        (3050.0, Timer, fetch(2, "2"), Connecting),
        (3060.0, Response(2, 200, SSE, None), opened(), Open),
    ]);
    assert_eq!(d.events[0], ("message".into(), "one".into(), "1".into()));
    assert_eq!(d.events[1], ("message".into(), "two".into(), "2".into()));
    assert_eq!(d.m.last_event_id(), "2");
}

#[test]
fn last_event_id_table() {
    // (body of conn 1, Last-Event-ID of conn 2)
    let table: &[(&str, &str)] = &[
        ("id: 7\ndata: x\n\n", "7"),
        ("id: ünïcødé→😀\ndata: x\n\n", "ünïcødé→😀"),
        // An id-only block updates the id without firing.
        ("id: 42\n\n", "42"),
        ("id: 1\ndata: x\n\nid: 2\n\n", "2"),
        // An empty id resets it.
        ("id: 1\ndata: x\n\nid\n\n", ""),
        // An id with U+0000 is ignored.
        ("id: 1\ndata: x\n\nid: a\0b\n\n", "1"),
        // An id of an event that never completed is not sent.
        ("id: 1\ndata: x\n\nid: 9\ndata: y\n", "1"),
        ("id: 9", ""),
    ];
    for &(body, want) in table {
        let mut d = open(Config::default());
        d.input(20.0, Body(1, body.as_bytes()));
        assert_eq!(
            d.input(30.0, End(1)),
            retry(Reason::BodyEnded, Some(200), 3000.0, 1),
            "{body:?}"
        );
        assert_eq!(d.input(3030.0, Timer), fetch(2, want), "{body:?}");
        assert_eq!(d.m.last_event_id(), want, "{body:?}");
        assert!(d.events.iter().all(|e| e.1 != "y"), "{body:?}");
    }
}

#[test]
fn retry_field_sets_the_next_delay() {
    // (body, next delay)
    let table: &[(&str, f64)] = &[
        ("retry: 1234\n\n", 1234.0),
        ("retry: 1234\n", 1234.0),
        ("retry:0\n", 0.0),
        ("retry: 500\nretry: 700\n", 700.0),
        ("retry: 500\nretry: x\n", 500.0),
        ("retry: 12a\n", 3000.0),
        ("retry: -5\n", 3000.0),
        ("retry: 1.5\n", 3000.0),
        ("retry: \n", 3000.0),
        ("retry\n", 3000.0),
        ("retry:  100\n", 3000.0),
        ("Retry: 100\n", 3000.0),
        // Not a complete line: never processed.
        ("retry: 100", 3000.0),
    ];
    for &(body, want) in table {
        let mut d = open(Config::default());
        d.input(20.0, Body(1, body.as_bytes()));
        let got = d.input(30.0, End(1));
        assert_eq!(
            got,
            retry(Reason::BodyEnded, Some(200), want, 1),
            "{body:?}"
        );
        assert_eq!(d.m.reconnection_time(), want, "{body:?}");
        // The reconnection time persists across connections.
        d.run(&[
            (30.0 + want, Timer, fetch(2, ""), Connecting),
            (40.0 + want, Response(2, 200, SSE, None), opened(), Open),
            (50.0 + want, Body(2, b"data: z\n\n"), NONE, Open),
        ]);
        assert_eq!(
            delay_of(&d.input(60.0 + want, End(2))),
            want,
            "{body:?} second"
        );
    }
}

#[test]
fn incomplete_event_at_end_is_dropped_and_not_carried_over() {
    let mut d = open(Config::default());
    d.run(&[
        (20.0, Body(1, b"id: 1\ndata: done\n\n"), NONE, Open),
        (
            21.0,
            Body(1, b"event: half\nid: 2\ndata: partial"),
            NONE,
            Open,
        ),
        (
            22.0,
            End(1),
            retry(Reason::BodyEnded, Some(200), 3000.0, 1),
            Connecting,
        ),
        (3022.0, Timer, fetch(2, "1"), Connecting),
        (3030.0, Response(2, 200, SSE, None), opened(), Open),
        (3040.0, Body(2, b"\n\ndata: second\n\n"), NONE, Open),
    ]);
    assert_eq!(
        d.events,
        vec![
            ("message".into(), "done".into(), "1".into()),
            ("message".into(), "second".into(), "1".into()),
        ]
    );
}

#[test]
fn network_errors_reestablish() {
    // Before a response: no status.
    Driver::new(Config::default()).run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (
            5.0,
            NetErr(1, Reason::Network),
            retry(Reason::Network, None, 3000.0, 1),
            Connecting,
        ),
        (3005.0, Timer, fetch(2, ""), Connecting),
        (
            3010.0,
            NetErr(2, Reason::Setup),
            retry(Reason::Setup, None, 3000.0, 2),
            Connecting,
        ),
        (6010.0, Timer, fetch(3, ""), Connecting),
        (6020.0, Response(3, 200, SSE, None), opened(), Open),
    ]);
    // Mid-stream: status 200.
    open(Config::default()).run(&[
        (20.0, Body(1, b"id: a\ndata: x\n\n"), NONE, Open),
        (
            30.0,
            NetErr(1, Reason::BodyError),
            retry(Reason::BodyError, Some(200), 3000.0, 1),
            Connecting,
        ),
        (3030.0, Timer, fetch(2, "a"), Connecting),
    ]);
}

#[test]
fn cors_refusals_and_page_aborts_fail_while_network_errors_reestablish() {
    for (reason, status_while_streaming, fails) in [
        (Reason::Network, None, false),
        (Reason::Setup, None, false),
        (Reason::Cors, None, true),
        (Reason::Aborted, None, true),
        (Reason::BodyError, Some(200), false),
        (Reason::Aborted, Some(200), true),
    ] {
        let mut d = Driver::new(Config::default());
        d.input(0.0, Connect(URL));
        if status_while_streaming.is_some() {
            d.input(1.0, Response(1, 200, SSE, None));
        }
        let got = d.input(2.0, NetErr(1, reason));
        if fails {
            assert_eq!(got, fail(reason, status_while_streaming, 0), "{reason}");
            assert_eq!(d.m.ready_state(), Closed);
            d.assert_inert(1e6);
        } else {
            assert_eq!(
                got,
                retry(reason, status_while_streaming, 3000.0, 1),
                "{reason}"
            );
            assert_eq!(d.m.ready_state(), Connecting);
        }
    }
}

#[test]
fn waiting_ignores_everything_but_the_timer() {
    let mut d = open(Config::default());
    d.input(20.0, End(1));
    for input in [
        Response(1, 200, SSE, None),
        Body(1, b"data: x\n\n"),
        End(1),
        NetErr(1, Reason::Network),
        Connect(URL),
    ] {
        assert_eq!(d.input(30.0, input), NONE, "{input:?}");
        assert_eq!(d.m.ready_state(), Connecting);
    }
    assert_eq!(d.input(3020.0, Timer), fetch(2, ""));
    assert!(d.events.is_empty());
}

// ------------------------------------------------------------------ close()

#[test]
fn close_in_every_phase() {
    // (label, script that reaches the phase)
    let open_script: Script = &[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (5.0, Response(1, 200, SSE, None), opened(), Open),
        (6.0, Body(1, b"data: x\n\ndata: half"), NONE, Open),
    ];
    let waiting_script: Script = &[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (
            5.0,
            NetErr(1, Reason::Network),
            retry(Reason::Network, None, 3000.0, 1),
            Connecting,
        ),
    ];
    let second_fetch_script: Script = &[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (
            5.0,
            NetErr(1, Reason::Network),
            retry(Reason::Network, None, 3000.0, 1),
            Connecting,
        ),
        (3005.0, Timer, fetch(2, ""), Connecting),
    ];
    let table: &[(&str, Script)] = &[
        ("before connect", &[]),
        (
            "connecting",
            &[(0.0, Connect(URL), fetch(1, ""), Connecting)],
        ),
        ("open", open_script),
        ("waiting", waiting_script),
        ("second fetch", second_fetch_script),
    ];
    for &(label, script) in table {
        let mut d = Driver::new(Config {
            inactivity_timeout: Some(1000.0),
            ..Config::default()
        });
        for (now, input, _, _) in script {
            d.input(*now, *input);
        }
        let events = d.events.len();
        d.run(&[(10_000.0, Close(true), NONE, Closed)]);
        d.assert_inert(20_000.0);
        d.run(&[(30_000.0, Close(false), NONE, Closed)]);
        assert_eq!(d.events.len(), events, "{label}");
    }
}

#[test]
fn close_after_fail_returns_false() {
    let mut d = Driver::new(Config::default());
    d.run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (
            1.0,
            Response(1, 204, None, None),
            fail(Reason::Status, Some(204), 0),
            Closed,
        ),
        (2.0, Close(false), NONE, Closed),
    ]);
}

// ------------------------------------------------------------------ stale connections

#[test]
fn stale_connection_inputs_are_ignored() {
    let mut d = open(Config::default());
    d.run(&[
        (20.0, Body(1, b"id: 1\ndata: first\n\n"), NONE, Open),
        (
            30.0,
            NetErr(1, Reason::BodyError),
            retry(Reason::BodyError, Some(200), 3000.0, 1),
            Connecting,
        ),
        (3030.0, Timer, fetch(2, "1"), Connecting),
        // The aborted conn 1 reports late; conn 0 and 3 never existed.
        (3031.0, Body(1, b"id: 2\ndata: stale\n\n"), NONE, Connecting),
        (3032.0, End(1), NONE, Connecting),
        (3033.0, NetErr(1, Reason::BodyError), NONE, Connecting),
        (3034.0, Response(1, 200, SSE, None), NONE, Connecting),
        (3035.0, Response(0, 200, SSE, None), NONE, Connecting),
        (3036.0, Response(3, 200, SSE, None), NONE, Connecting),
        (3037.0, NetErr(3, Reason::Network), NONE, Connecting),
        (3040.0, Response(2, 200, SSE, None), opened(), Open),
        (3041.0, Body(1, b"data: stale\n\n"), NONE, Open),
        (3042.0, End(1), NONE, Open),
        (3043.0, NetErr(1, Reason::Network), NONE, Open),
        (3044.0, Response(2, 200, SSE, None), NONE, Open),
        (3045.0, Body(2, b"data: fresh\n\n"), NONE, Open),
    ]);
    assert_eq!(d.data(), ["first", "fresh"]);
    assert_eq!(d.m.last_event_id(), "1");
}

// ------------------------------------------------------------------ backoff and jitter

fn backoff(multiplier: f64, max_delay: f64, jitter: f64) -> Config {
    Config {
        backoff: Backoff {
            multiplier,
            max_delay,
            jitter,
        },
        ..Config::default()
    }
}

#[test]
fn backoff_grows_and_caps() {
    let mut d = Driver::new(backoff(2.0, 10_000.0, 0.0));
    d.input(0.0, Connect(URL));
    let delays: Vec<(f64, u32)> = (0..5)
        .map(
            |i| match drop_and_refetch(&mut d, f64::from(i) * 20_000.0) {
                action @ Action::Retry(_) => (delay_of(&action), attempt_of(&action)),
                other => panic!("{other:?}"),
            },
        )
        .collect();
    assert_eq!(
        delays,
        [
            (3000.0, 1),
            (6000.0, 2),
            (10_000.0, 3),
            (10_000.0, 4),
            (10_000.0, 5)
        ]
    );
    assert_eq!(d.m.attempts(), 5);
}

#[test]
fn backoff_base_is_the_server_retry() {
    let mut d = open(backoff(2.0, 10_000.0, 0.0));
    d.input(20.0, Body(1, b"retry: 1000\n"));
    let mut delays = vec![delay_of(&d.input(30.0, End(1)))];
    assert_eq!(d.input(1030.0, Timer), fetch(2, ""));
    for i in 0..4 {
        delays.push(delay_of(&drop_and_refetch(&mut d, 50_000.0 * f64::from(i))));
    }
    assert_eq!(delays, [1000.0, 2000.0, 4000.0, 8000.0, 10_000.0]);
}

#[test]
fn attempts_reset_only_after_data() {
    let mut d = Driver::new(backoff(2.0, 100_000.0, 0.0));
    d.run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (
            1.0,
            NetErr(1, Reason::Network),
            retry(Reason::Network, None, 3000.0, 1),
            Connecting,
        ),
        (3001.0, Timer, fetch(2, ""), Connecting),
        // Opens, delivers nothing: the backoff keeps growing.
        (3002.0, Response(2, 200, SSE, None), opened(), Open),
        (
            3003.0,
            End(2),
            retry(Reason::BodyEnded, Some(200), 6000.0, 2),
            Connecting,
        ),
        (9003.0, Timer, fetch(3, ""), Connecting),
        (9004.0, Response(3, 200, SSE, None), opened(), Open),
        (9005.0, Body(3, b""), NONE, Open),
        (
            9006.0,
            End(3),
            retry(Reason::BodyEnded, Some(200), 12_000.0, 3),
            Connecting,
        ),
        (21_006.0, Timer, fetch(4, ""), Connecting),
        // Delivers data: the next attempt starts over.
        (21_007.0, Response(4, 200, SSE, None), opened(), Open),
        (21_008.0, Body(4, b"data: x\n\n"), NONE, Open),
        (
            21_009.0,
            NetErr(4, Reason::BodyError),
            retry(Reason::BodyError, Some(200), 3000.0, 1),
            Connecting,
        ),
        (24_009.0, Timer, fetch(5, ""), Connecting),
        (
            24_010.0,
            NetErr(5, Reason::Network),
            retry(Reason::Network, None, 6000.0, 2),
            Connecting,
        ),
    ]);
    assert_eq!(d.data(), ["x"]);
}

#[test]
fn jitter_with_fixed_random_values() {
    // (jitter, r, expected delay of the first retry with d = 3000)
    let table: &[(f64, f64, f64)] = &[
        (1.0, 0.0, 3000.0),
        (1.0, 0.5, 1500.0),
        (1.0, 0.999, 3.0),
        (0.5, 0.0, 3000.0),
        (0.5, 0.5, 2250.0),
        (0.5, 0.999, 1501.5),
        (0.25, 0.999, 2250.75),
    ];
    for &(jitter, r, want) in table {
        let calls = Rc::new(Cell::new(0));
        let seen = calls.clone();
        let mut d = Driver::with_random(
            backoff(1.0, MAX_DELAY, jitter),
            Box::new(move || {
                seen.set(seen.get() + 1);
                r
            }),
        );
        d.input(0.0, Connect(URL));
        let got = delay_of(&d.input(1.0, NetErr(1, Reason::Network)));
        // Delays are whole milliseconds: what the event reports is what
        // the timer waits.
        assert!((got - want).abs() <= 0.5, "jitter {jitter}, r {r}: {got}");
        assert_eq!(got.fract(), 0.0);
        assert!(got >= (3000.0 * (1.0 - jitter)).floor() && got <= 3000.0);
        assert_eq!(calls.get(), 1, "one draw per delay");
    }
}

#[test]
fn jitter_stays_within_bounds_property() {
    // (multiplier, max_delay, jitter, initial delay)
    let configs: &[(f64, f64, f64, f64)] = &[
        (1.0, MAX_DELAY, 1.0, 3000.0),
        (1.0, MAX_DELAY, 0.5, 3000.0),
        (2.0, 30_000.0, 0.5, 1000.0),
        (1.5, 60_000.0, 0.1, 250.0),
        (3.0, 1e12, 1.0, 3000.0),
        (2.0, 10_000.0, 0.0, 3000.0),
    ];
    for (seed, &(multiplier, max_delay, jitter, initial)) in (1u64..).zip(configs) {
        let draws = lcg(seed);
        let mut expect_r = lcg(seed);
        let config = Config {
            initial_delay: initial,
            ..backoff(multiplier, max_delay, jitter)
        };
        let mut d = Driver::with_random(config, Box::new(draws));
        d.input(0.0, Connect(URL));
        for k in 0..200u32 {
            let full = (initial * multiplier.powi(k as i32))
                .min(max_delay)
                .min(MAX_DELAY);
            let got = delay_of(&drop_and_refetch(&mut d, f64::from(k) * 1e13));
            let lo = full * (1.0 - jitter);
            // Whole milliseconds, rounded.
            assert!(
                got >= lo - 0.5 && got <= full + 0.5,
                "config {seed}, attempt {k}: {got} not in [{lo}, {full}]"
            );
            if jitter > 0.0 {
                let want = full * (1.0 - jitter * expect_r());
                assert!(
                    (got - want).abs() <= 0.5 + 1e-9,
                    "{got} is not {want} rounded"
                );
            }
        }
    }
}

#[test]
fn jitter_never_goes_below_retry_after() {
    let mut d = Driver::with_random(
        Config {
            retry_on_status: vec![503],
            ..backoff(1.0, MAX_DELAY, 1.0)
        },
        Box::new(|| 0.999),
    );
    d.input(0.0, Connect(URL));
    assert_eq!(
        d.input(1.0, Response(1, 503, None, Some("5"))),
        retry(Reason::Status, Some(503), 5000.0, 1)
    );
}

// ------------------------------------------------------------------ max_attempts

#[test]
fn max_attempts_table() {
    for max in [0u32, 1, 2, 5] {
        let mut d = Driver::new(Config {
            max_attempts: Some(max),
            ..Config::default()
        });
        d.input(0.0, Connect(URL));
        for k in 1..=max {
            assert_eq!(
                drop_and_refetch(&mut d, f64::from(k) * 10_000.0),
                retry(Reason::Network, None, 3000.0, k),
                "max {max}"
            );
        }
        let conn = d.m.conn();
        d.run(&[(
            1e6,
            NetErr(conn, Reason::Network),
            gave_up(Reason::Network, None, max),
            Closed,
        )]);
        d.assert_inert(2e6);
    }
}

#[test]
fn max_attempts_fail_keeps_the_reason_and_status() {
    let mut d = open(Config {
        max_attempts: Some(0),
        ..Config::default()
    });
    d.run(&[(
        20.0,
        End(1),
        gave_up(Reason::BodyEnded, Some(200), 0),
        Closed,
    )]);
}

#[test]
fn max_attempts_counts_from_the_last_data() {
    let mut d = Driver::new(Config {
        max_attempts: Some(1),
        ..Config::default()
    });
    d.run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (
            1.0,
            NetErr(1, Reason::Network),
            retry(Reason::Network, None, 3000.0, 1),
            Connecting,
        ),
        (3001.0, Timer, fetch(2, ""), Connecting),
        (3002.0, Response(2, 200, SSE, None), opened(), Open),
        (3003.0, Body(2, b"data: x\n\n"), NONE, Open),
        (
            3004.0,
            End(2),
            retry(Reason::BodyEnded, Some(200), 3000.0, 1),
            Connecting,
        ),
        (6004.0, Timer, fetch(3, ""), Connecting),
        // Opened without data: still counts as a failed attempt.
        (6005.0, Response(3, 200, SSE, None), opened(), Open),
        (
            6006.0,
            End(3),
            gave_up(Reason::BodyEnded, Some(200), 1),
            Closed,
        ),
    ]);
}

// ------------------------------------------------------------------ retry_on_status

#[test]
fn retry_on_status_table() {
    let now = EPOCH;
    // (status, Retry-After, expected action)
    let table: &[(u16, Option<&str>, Action)] = &[
        (503, None, retry(Reason::Status, Some(503), 3000.0, 1)),
        (429, None, retry(Reason::Status, Some(429), 3000.0, 1)),
        (503, Some("5"), retry(Reason::Status, Some(503), 5000.0, 1)),
        (
            503,
            Some(" 5 "),
            retry(Reason::Status, Some(503), 5000.0, 1),
        ),
        // A shorter Retry-After does not shorten the reconnection time.
        (503, Some("1"), retry(Reason::Status, Some(503), 3000.0, 1)),
        (503, Some("0"), retry(Reason::Status, Some(503), 3000.0, 1)),
        (
            429,
            Some("Tue, 14 Nov 2023 22:13:27 GMT"),
            retry(Reason::Status, Some(429), 7000.0, 1),
        ),
        (
            503,
            Some("Tue, 14 Nov 2023 23:13:20 GMT"),
            retry(Reason::Status, Some(503), 3_600_000.0, 1),
        ),
        (
            503,
            Some("Tue, 14 Nov 2023 22:13:19 GMT"),
            retry(Reason::Status, Some(503), 3000.0, 1),
        ),
        (
            503,
            Some("Sun, 06 Nov 1994 08:49:37 GMT"),
            retry(Reason::Status, Some(503), 3000.0, 1),
        ),
        (
            503,
            Some("soon"),
            retry(Reason::Status, Some(503), 3000.0, 1),
        ),
        (503, Some("-5"), retry(Reason::Status, Some(503), 3000.0, 1)),
        (
            503,
            Some("2.5"),
            retry(Reason::Status, Some(503), 3000.0, 1),
        ),
        (503, Some(""), retry(Reason::Status, Some(503), 3000.0, 1)),
        (
            503,
            Some("99999999999999999999999"),
            retry(Reason::Status, Some(503), MAX_DELAY, 1),
        ),
        (500, Some("5"), fail(Reason::Status, Some(500), 0)),
        (204, None, fail(Reason::Status, Some(204), 0)),
        (404, None, fail(Reason::Status, Some(404), 0)),
    ];
    for (status, retry_after, want) in table {
        let mut d = Driver::new(Config {
            retry_on_status: vec![503, 429],
            ..Config::default()
        });
        d.input(now, Connect(URL));
        let got = d.input(now, Response(1, *status, SSE, *retry_after));
        assert_eq!(&got, want, "{status} {retry_after:?}");
        match want {
            Action::Retry(_) => {
                assert_eq!(d.m.ready_state(), Connecting);
                // The next fetch comes from the timer, as after any drop.
                assert_eq!(d.input(now + delay_of(want), Timer), fetch(2, ""));
            }
            _ => {
                assert_eq!(d.m.ready_state(), Closed);
                d.assert_inert(now + 1e6);
            }
        }
    }
}

#[test]
fn retry_on_status_with_backoff_and_max_attempts() {
    let mut d = Driver::new(Config {
        retry_on_status: vec![503],
        max_attempts: Some(2),
        ..backoff(2.0, 60_000.0, 0.0)
    });
    d.run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (
            1.0,
            Response(1, 503, None, None),
            retry(Reason::Status, Some(503), 3000.0, 1),
            Connecting,
        ),
        (3001.0, Timer, fetch(2, ""), Connecting),
        (
            3002.0,
            Response(2, 503, None, Some("1")),
            retry(Reason::Status, Some(503), 6000.0, 2),
            Connecting,
        ),
        (9002.0, Timer, fetch(3, ""), Connecting),
        (
            9003.0,
            Response(3, 503, None, None),
            gave_up(Reason::Status, Some(503), 2),
            Closed,
        ),
    ]);
}

#[test]
fn status_200_is_never_retried_even_if_listed() {
    let mut d = Driver::new(Config {
        retry_on_status: vec![200],
        ..Config::default()
    });
    d.input(0.0, Connect(URL));
    assert_eq!(
        d.input(1.0, Response(1, 200, Some("text/html"), None)),
        fail(Reason::ContentType, Some(200), 0)
    );
}

#[test]
fn parse_retry_after_table() {
    let now = EPOCH;
    // (value, ms from now)
    let table: &[(&str, Option<f64>)] = &[
        ("0", Some(0.0)),
        ("5", Some(5000.0)),
        ("120", Some(120_000.0)),
        ("  7\t", Some(7000.0)),
        ("007", Some(7000.0)),
        ("2147483", Some(2_147_483_000.0)),
        ("2147484", Some(MAX_DELAY)),
        ("18446744073709551616000", Some(MAX_DELAY)),
        ("Tue, 14 Nov 2023 22:13:27 GMT", Some(7000.0)),
        // RFC 9110 § 5.6.7: the obsolete RFC 850 and asctime forms too.
        ("Tuesday, 14-Nov-23 22:13:27 GMT", Some(7000.0)),
        ("Wednesday, 15-Nov-23 00:00:00 GMT", Some(6_400_000.0)),
        ("Tue Nov 14 22:13:27 2023", Some(7000.0)),
        ("Fri Dec  1 22:13:20 2023", Some(17.0 * 86_400_000.0)),
        ("Tuesday, 14-Nov-23 22:13:19 GMT", None),
        ("Tue Nov 14 22:13:19 2023", None),
        ("Tue, 14-Nov-23 22:13:27 GMT", None),
        ("Tue Nov 14 22:13:27 2023 GMT", None),
        ("Fri Dec 1 22:13:20 2023", None),
        ("Fri Dec 01 22:13:20 2023", Some(17.0 * 86_400_000.0)),
        // RFC 850 years: up to 50 years ahead, else the century before.
        ("Wednesday, 01-Jan-70 00:00:00 GMT", Some(MAX_DELAY)),
        ("Tuesday, 01-Jan-74 00:00:00 GMT", None),
        ("Sunday, 06-Nov-94 08:49:37 GMT", None),
        ("Sunday, 06-Nov-1994 08:49:37 GMT", None),
        ("Tue, 14 Nov 2023 22:13:21 GMT", Some(1000.0)),
        ("Wed, 15 Nov 2023 00:00:00 GMT", Some(6_400_000.0)),
        ("Fri, 01 Dec 2023 22:13:20 GMT", Some(17.0 * 86_400_000.0)),
        ("Tue, 14 Nov 2023 22:13:20 GMT", None),
        ("Tue, 14 Nov 2023 22:13:19 GMT", None),
        ("Thu, 01 Jan 1970 00:00:00 GMT", None),
        ("Fri, 01 Jan 2100 00:00:00 GMT", Some(MAX_DELAY)),
        ("Tue, 14 Nov 2023 22:13:27 UTC", None),
        ("Tue, 14 nov 2023 22:13:27 GMT", None),
        ("Tue, 32 Nov 2023 22:13:27 GMT", None),
        ("Tue, 14 Nov 2023 24:13:27 GMT", None),
        ("Tue, 14 Nov 2023 22:60:27 GMT", None),
        ("Tue, 14 Nov 2023 22:13 GMT", None),
        ("Tue, 14 Nov 2023", None),
        ("", None),
        ("   ", None),
        ("-1", None),
        ("+5", None),
        ("1.5", None),
        ("5s", None),
        ("soon", None),
    ];
    for &(value, want) in table {
        assert_eq!(parse_retry_after(value, now), want, "{value:?}");
    }
    // Leap years, from 20 February to 1 March: (now, value, days).
    let leap: &[(f64, &str, f64)] = &[
        (1_708_387_200_000.0, "Fri, 01 Mar 2024 00:00:00 GMT", 10.0),
        (4_106_764_800_000.0, "Mon, 01 Mar 2100 00:00:00 GMT", 9.0),
        (951_004_800_000.0, "Wed, 01 Mar 2000 00:00:00 GMT", 10.0),
    ];
    for &(now, value, days) in leap {
        assert_eq!(
            parse_retry_after(value, now),
            Some(days * 86_400_000.0),
            "{value:?}"
        );
    }
    // The IMF-fixdate example from RFC 9110, one second before.
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_776_000.0),
        Some(1000.0)
    );
}

#[test]
fn parse_retry_after_survives_absurd_years() {
    for value in [
        "Sun, 06 Nov 300000000 08:49:37 GMT",
        "Sun, 06 Nov 9223372036854775807 08:49:37 GMT",
        "Sun, 06 Nov -9223372036854775808 08:49:37 GMT",
    ] {
        let got = std::panic::catch_unwind(|| parse_retry_after(value, EPOCH));
        let got = got.unwrap_or_else(|_| panic!("{value:?} panicked"));
        assert!(
            got.is_none() || got == Some(MAX_DELAY),
            "{value:?} gave {got:?}"
        );
    }
}

// ------------------------------------------------------------------ inactivity

fn inactive(ms: f64) -> Config {
    Config {
        inactivity_timeout: Some(ms),
        ..Config::default()
    }
}

#[test]
fn inactivity_while_streaming() {
    let t0 = EPOCH;
    Driver::new(inactive(1000.0)).run(&[
        (t0, Connect(URL), fetch_timed(1, 1000.0), Connecting),
        (t0 + 100.0, Response(1, 200, SSE, None), opened(), Open),
        // The response counts as activity.
        (t0 + 1000.0, Timer, Action::Timer(100.0), Open),
        // Events and comments count too.
        (t0 + 1050.0, Body(1, b"data: x\n\n"), NONE, Open),
        (t0 + 1100.0, Timer, Action::Timer(950.0), Open),
        (t0 + 1500.0, Body(1, b": ping\n"), NONE, Open),
        (t0 + 2050.0, Timer, Action::Timer(450.0), Open),
        (
            t0 + 2500.0,
            Timer,
            retry(Reason::Inactivity, Some(200), 3000.0, 1),
            Connecting,
        ),
        (t0 + 5500.0, Timer, fetch_timed(2, 1000.0), Connecting),
    ]);
}

#[test]
fn inactivity_rearm_after_bytes() {
    Driver::new(inactive(1000.0)).run(&[
        (0.0, Connect(URL), fetch_timed(1, 1000.0), Connecting),
        (0.0, Response(1, 200, SSE, None), opened(), Open),
        (600.0, Body(1, b":"), NONE, Open),
        (1000.0, Timer, Action::Timer(600.0), Open),
        (
            1600.0,
            Timer,
            retry(Reason::Inactivity, Some(200), 3000.0, 1),
            Connecting,
        ),
    ]);
}

#[test]
fn inactivity_before_a_response() {
    let mut d = Driver::new(inactive(1000.0));
    d.run(&[
        (0.0, Connect(URL), fetch_timed(1, 1000.0), Connecting),
        (999.0, Timer, Action::Timer(1.0), Connecting),
        (
            1000.0,
            Timer,
            retry(Reason::Inactivity, None, 3000.0, 1),
            Connecting,
        ),
        // The server that never answered answers late: ignored.
        (1500.0, Response(1, 200, SSE, None), NONE, Connecting),
        (4000.0, Timer, fetch_timed(2, 1000.0), Connecting),
        // The clock restarts at the new fetch.
        (4500.0, Timer, Action::Timer(500.0), Connecting),
        (4900.0, Response(2, 200, SSE, None), opened(), Open),
        (5000.0, Timer, Action::Timer(900.0), Open),
    ]);
}

#[test]
fn a_suspended_reader_is_not_inactive() {
    // The front end's consumer is behind, so the body is not read: the
    // server may be sending, and the silence is ours.
    Driver::new(inactive(1000.0)).run(&[
        (0.0, Connect(URL), fetch_timed(1, 1000.0), Connecting),
        (0.0, Response(1, 200, SSE, None), opened(), Open),
        (500.0, Body(1, b"data: x\n\n"), NONE, Open),
        (500.0, Suspend, NONE, Open),
        (1500.0, Timer, Action::Timer(1000.0), Open),
        (2500.0, Timer, Action::Timer(1000.0), Open),
        // Reading again: inactivity counts from here.
        (3000.0, Resume, NONE, Open),
        (3500.0, Timer, Action::Timer(500.0), Open),
        (
            4000.0,
            Timer,
            retry(Reason::Inactivity, Some(200), 3000.0, 1),
            Connecting,
        ),
        // A new connection is never suspended.
        (4000.0, Suspend, NONE, Connecting),
        (7000.0, Timer, fetch_timed(2, 1000.0), Connecting),
        (
            8000.0,
            Timer,
            retry(Reason::Inactivity, None, 3000.0, 2),
            Connecting,
        ),
    ]);
}

#[test]
fn inactivity_off_ignores_the_timer_while_connected() {
    Driver::new(Config::default()).run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (1e9, Timer, NONE, Connecting),
        (1e9, Response(1, 200, SSE, None), opened(), Open),
        (1e10, Timer, NONE, Open),
    ]);
}

// ------------------------------------------------------------------ buffer limit

#[test]
fn overflow_fails_after_delivering_complete_events() {
    let mut chunk = b"data: a\n\nid: 5\ndata: b\n\ndata: ".to_vec();
    chunk.extend(std::iter::repeat(b'x').take(200));
    let mut d = open(Config {
        max_buffer_size: 64,
        ..Config::default()
    });
    d.run(&[(
        20.0,
        Body(1, &chunk),
        fail(Reason::Overflow, Some(200), 0),
        Closed,
    )]);
    assert_eq!(d.data(), ["a", "b"]);
    assert_eq!(d.m.last_event_id(), "5");
    d.assert_inert(30.0);
}

#[test]
fn overflow_is_not_reported_when_a_listener_closed_the_source() {
    let mut chunk = b"data: a\n\ndata: ".to_vec();
    chunk.extend(std::iter::repeat(b'x').take(200));
    let mut d = open(Config {
        max_buffer_size: 64,
        ..Config::default()
    });
    d.m.on_body(20.0, 1, &chunk, &mut d.batch);
    assert_eq!(d.batch.len(), 1);
    d.batch.clear();
    // The events are delivered with the source still OPEN...
    assert_eq!(d.m.ready_state(), Open);
    // ...and a listener closes it: the overflow is not reported.
    assert!(d.m.close());
    assert_eq!(d.m.on_delivered(1), NONE);
    d.assert_inert(30.0);
}

#[test]
fn overflow_across_chunks() {
    let mut d = open(Config {
        max_buffer_size: 64,
        ..Config::default()
    });
    d.input(20.0, Body(1, b"data: ok\n\n"));
    let mut failed = None;
    for i in 0..100 {
        let action = d.input(30.0 + f64::from(i), Body(1, b"data: 0123456789\n"));
        if action != NONE {
            failed = Some(action);
            break;
        }
    }
    assert_eq!(failed, Some(fail(Reason::Overflow, Some(200), 0)));
    assert_eq!(d.m.ready_state(), Closed);
    assert_eq!(d.data(), ["ok"]);
}

// ------------------------------------------------------------------ initial id, MAX_DELAY

#[test]
fn initial_last_event_id() {
    let mut d = Driver::new(Config {
        last_event_id: "résumé-7".into(),
        ..Config::default()
    });
    assert_eq!(d.m.last_event_id(), "résumé-7");
    d.run(&[
        (0.0, Connect(URL), fetch(1, "résumé-7"), Connecting),
        (1.0, Response(1, 200, SSE, None), opened(), Open),
        (2.0, Body(1, b"data: x\n\n"), NONE, Open),
        (
            3.0,
            End(1),
            retry(Reason::BodyEnded, Some(200), 3000.0, 1),
            Connecting,
        ),
        (3003.0, Timer, fetch(2, "résumé-7"), Connecting),
    ]);
    assert_eq!(d.events[0].2, "résumé-7");
}

#[test]
fn delays_never_exceed_max_delay() {
    // A huge `retry:` value.
    let mut d = open(Config::default());
    d.input(20.0, Body(1, b"retry: 99999999999999999999999999\n"));
    assert_eq!(delay_of(&d.input(30.0, End(1))), MAX_DELAY);

    // A huge initial delay.
    let mut d = Driver::new(Config {
        initial_delay: 1e300,
        ..Config::default()
    });
    d.input(0.0, Connect(URL));
    assert_eq!(delay_of(&drop_and_refetch(&mut d, 1.0)), MAX_DELAY);

    // Unbounded growth.
    for max_delay in [MAX_DELAY, f64::INFINITY, 1e300] {
        let mut d = Driver::new(backoff(10.0, max_delay, 0.0));
        d.input(0.0, Connect(URL));
        let delays: Vec<f64> = (0..400)
            .map(|i| delay_of(&drop_and_refetch(&mut d, f64::from(i))))
            .collect();
        assert!(delays.iter().all(|&ms| (0.0..=MAX_DELAY).contains(&ms)));
        assert_eq!(delays.last(), Some(&MAX_DELAY), "max_delay {max_delay}");
        assert!(delays.windows(2).all(|w| w[0] <= w[1]), "monotonic");
    }
}

// ------------------------------------------------------------------ hosts

#[test]
fn hosts_the_url_standard_rejects() {
    // (host as a lenient parser serializes it, valid under the URL standard)
    let table = [
        ("example.com", true),
        ("127.0.0.1", true),
        ("xn--caf-dma.example", true),
        ("[::1]", true),
        ("localhost", true),
        // Chromium keeps `http://this is invalid/` as `this%20is%20invalid`.
        ("this%20is%20invalid", false),
        ("this is invalid", false),
        ("a%25b", false),
        ("a%zzb", false),
        ("a%3Cb", false),
        ("a<b", false),
        ("a^b", false),
        ("a|b", false),
        ("a%7Fb", false),
        ("a%00b", false),
        ("a%09b", false),
        ("a%2Fb", false),
        ("a%40b", false),
        ("a%5Cb", false),
        ("a-b_c.d", true),
        ("a%41b", true),
    ];
    for (host, valid) in table {
        assert_eq!(is_valid_host(host), valid, "{host:?}");
    }
}

// ------------------------------------------------------------------ page lifecycle

#[test]
fn the_back_forward_cache_lets_the_connection_go_quietly_and_reconnects_at_once() {
    // Streaming: the connection is let go with no error; an unfinished
    // event is dropped; on return the next fetch starts at once, with the
    // last event id.
    let mut d = open(Config::default());
    d.run(&[
        (20.0, Body(1, b"id: 5\ndata: a\n\ndata: unfin"), NONE, Open),
        (30.0, Freeze, Action::Abort, Connecting),
        (31.0, Freeze, Action::Abort, Connecting),
        (40.0, Body(1, b"ished\n\n"), NONE, Connecting),
        (50.0, End(1), NONE, Connecting),
        (60.0, Timer, NONE, Connecting),
        (90_000.0, Thaw, fetch(2, "5"), Connecting),
        (90_001.0, Thaw, NONE, Connecting),
        (90_010.0, Response(2, 200, SSE, None), opened(), Open),
        (90_020.0, Body(2, b"data: b\n\n"), NONE, Open),
    ]);
    assert_eq!(d.data(), ["a", "b"], "the unfinished event was dropped");

    // Fetching and waiting to reconnect: the same, and a late answer to the
    // fetch let go is ignored.
    let mut d = Driver::new(Config::default());
    d.run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (1.0, Freeze, Action::Abort, Connecting),
        (2.0, Response(1, 200, SSE, None), NONE, Connecting),
        (3.0, Thaw, fetch(2, ""), Connecting),
        (
            4.0,
            NetErr(2, Reason::Network),
            retry(Reason::Network, None, 3000.0, 1),
            Connecting,
        ),
        (5.0, Freeze, Action::Abort, Connecting),
        (3004.0, Timer, NONE, Connecting),
        (9000.0, Thaw, fetch(3, ""), Connecting),
    ]);
}

#[test]
fn a_clean_end_closes_the_source_when_the_end_means_done() {
    // streamEnd "close": the end of the body fails the connection (one
    // error, CLOSED), and no request is made again.
    let mut d = open(Config {
        close_on_end: true,
        ..Config::default()
    });
    d.run(&[
        (20.0, Body(1, b"data: answer\n\ndata: unfin"), NONE, Open),
        (30.0, End(1), fail(Reason::BodyEnded, Some(200), 0), Closed),
        (3030.0, Timer, NONE, Closed),
    ]);
    assert_eq!(d.data(), ["answer"]);
    // A failure of the network still reconnects.
    let mut d = open(Config {
        close_on_end: true,
        ..Config::default()
    });
    d.run(&[(
        20.0,
        NetErr(1, Reason::BodyError),
        retry(Reason::BodyError, Some(200), 3000.0, 1),
        Connecting,
    )]);
}

#[test]
fn the_default_stream_end_follows_the_method() {
    let table = [
        (None, "GET", false),
        (None, "get", false),
        (None, "HEAD", false),
        (None, "POST", true),
        (None, "PUT", true),
        (None, "M-SEARCH", true),
        (Some("reconnect"), "POST", false),
        (Some("close"), "GET", true),
    ];
    for (given, method, closes) in table {
        assert_eq!(
            closes_on_end(index_of(STREAM_END_VALUES, given), allows_body(method)),
            closes,
            "{given:?} with {method}"
        );
    }
}

#[test]
fn a_refused_redirect_fails_the_source_without_retrying() {
    // A browser's opaque redirect has no status; a server runtime's is the
    // redirect itself. Either way: one error, CLOSED, even when the status
    // is one to retry.
    for (status, reported) in [(0, None), (302, Some(302)), (307, Some(307))] {
        let mut d = Driver::new(Config {
            retry_on_status: vec![302, 307],
            refuse_redirects: true,
            ..Config::default()
        });
        d.run(&[
            // The request asks the driver not to follow redirects.
            (0.0, Connect(URL), refusing(fetch(1, "")), Connecting),
            (
                1.0,
                Redirected(1, status),
                fail(Reason::Redirect, reported, 0),
                Closed,
            ),
            (3001.0, Timer, NONE, Closed),
        ]);
    }
}

#[test]
fn a_redirect_given_back_without_refusing_is_a_status_like_any_other() {
    // Only a source that refuses redirects fetches in `manual` mode; should
    // a custom fetch hand back a 302 anyway, it is a status that is not 200.
    let mut d = Driver::new(Config::default());
    d.run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (
            1.0,
            Redirected(1, 302),
            fail(Reason::Status, Some(302), 0),
            Closed,
        ),
    ]);
}

#[test]
fn redirects_are_refused_by_default_only_with_custom_headers() {
    let table = [
        (None, false, false),
        (None, true, true),
        (Some("follow"), true, false),
        (Some("error"), false, true),
    ];
    for (given, headers, refuses) in table {
        assert_eq!(
            refuses_redirects(index_of(REDIRECT_VALUES, given), headers),
            refuses,
            "{given:?}, custom headers: {headers}"
        );
    }
}

#[test]
fn window_stop_fails_a_source_with_a_fetch_in_flight_only() {
    // [spec] Stopping the document's fetches cancels the source: one
    // error, CLOSED, whether the response came or not.
    let mut d = Driver::new(Config::default());
    d.run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (1.0, Stop, fail(Reason::Aborted, None, 0), Closed),
    ]);
    let mut d = open(Config::default());
    d.run(&[(20.0, Stop, fail(Reason::Aborted, Some(200), 0), Closed)]);
    // Waiting to reconnect, nothing is in flight: nothing happens.
    let mut d = Driver::new(Config::default());
    d.run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (
            1.0,
            NetErr(1, Reason::Network),
            retry(Reason::Network, None, 3000.0, 1),
            Connecting,
        ),
        (2.0, Stop, NONE, Connecting),
        (3001.0, Timer, fetch(2, ""), Connecting),
    ]);
}

#[test]
fn a_connection_cut_while_the_page_leaves_is_let_go_without_an_error() {
    // WebKit cuts the connection after `beforeunload`, before `pagehide`
    // says the page goes into the cache: no error, and the ready state
    // reads CONNECTING, as after a freeze.
    let mut d = open(Config::default());
    d.run(&[
        (20.0, Body(1, b"id: 7\ndata: a\n\ndata: unfin"), NONE, Open),
        (100.0, Leaving, NONE, Open),
        (
            103.0,
            NetErr(1, Reason::BodyError),
            Action::Timer(LEAVE_GRACE - 3.0),
            Connecting,
        ),
        (110.0, Freeze, Action::Abort, Connecting),
        (60_000.0, Thaw, fetch(2, "7"), Connecting),
        (60_010.0, Response(2, 200, SSE, None), opened(), Open),
        (60_020.0, Body(2, b"data: b\n\n"), NONE, Open),
    ]);
    assert_eq!(d.data(), ["a", "b"], "the unfinished event was dropped");

    // The page stayed after all (a download, a cancelled prompt): when the
    // grace runs out it reconnects, with the last event id, and counts no
    // attempt.
    let mut d = open(Config::default());
    d.run(&[
        (20.0, Body(1, b"id: 7\ndata: a\n\n"), NONE, Open),
        (100.0, Leaving, NONE, Open),
        (
            3000.0,
            NetErr(1, Reason::BodyError),
            Action::Timer(100.0),
            Connecting,
        ),
        (3100.0, Timer, fetch(2, "7"), Connecting),
        (
            3200.0,
            NetErr(2, Reason::Network),
            retry(Reason::Network, None, 3000.0, 1),
            Connecting,
        ),
    ]);

    // A fetch refused during the grace is let go the same way; after it, a
    // failure is an error again.
    let mut d = Driver::new(Config::default());
    d.run(&[
        (0.0, Leaving, NONE, Connecting),
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (
            5.0,
            NetErr(1, Reason::Network),
            Action::Timer(LEAVE_GRACE - 5.0),
            Connecting,
        ),
        (LEAVE_GRACE, Timer, fetch(2, ""), Connecting),
        (
            LEAVE_GRACE + 1.0,
            NetErr(2, Reason::Network),
            retry(Reason::Network, None, 3000.0, 1),
            Connecting,
        ),
    ]);

    // The page stopping the fetch (`window.stop()`) is not the page leaving.
    let mut d = open(Config::default());
    d.run(&[
        (100.0, Leaving, NONE, Open),
        (
            101.0,
            NetErr(1, Reason::Aborted),
            fail(Reason::Aborted, Some(200), 0),
            Closed,
        ),
    ]);
}

#[test]
fn the_back_forward_cache_leaves_closed_failed_and_supplied_sources_alone() {
    let mut d = Driver::new(Config::default());
    d.run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (
            1.0,
            Response(1, 204, SSE, None),
            fail(Reason::Status, Some(204), 0),
            Closed,
        ),
        (2.0, Freeze, NONE, Closed),
        (3.0, Thaw, NONE, Closed),
    ]);
    let mut d = open(Config::default());
    d.run(&[
        (2.0, Close(true), NONE, Closed),
        (3.0, Freeze, NONE, Closed),
        (4.0, Thaw, NONE, Closed),
    ]);
    // A supplied stream is its owner's to let go.
    let mut m = ReconnectState::new(Config::default(), page(), Box::new(|| 0.5));
    assert_eq!(
        m.connect_stream(0.0),
        Action::Open {
            url: "about:event-stream".into()
        }
    );
    assert_eq!(m.on_page(PageEvent::Freeze, 1.0), Action::None);
    assert_eq!(m.ready_state(), Open);
    assert_eq!(m.on_page(PageEvent::Thaw, 1.0), Action::None);
}

#[test]
fn coming_back_online_ends_a_wait_after_a_network_failure() {
    let draws = Rc::new(Cell::new(0));
    let seen = draws.clone();
    let mut d = Driver::with_random(
        Config::default(),
        Box::new(move || {
            seen.set(seen.get() + 1);
            0.5
        }),
    );
    d.run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (
            10.0,
            NetErr(1, Reason::Network),
            retry(Reason::Network, None, 3000.0, 1),
            Connecting,
        ),
        // Jittered: half of ONLINE_JITTER with this random source.
        (20.0, Online, Action::Timer(ONLINE_JITTER / 2.0), Connecting),
        (21.0, Online, NONE, Connecting),
        (145.0, Timer, fetch(2, ""), Connecting),
    ]);
    assert_eq!(draws.get(), 1);
    // A body broken off is the network's too.
    let mut d = Driver::with_random(Config::default(), Box::new(|| 0.0));
    d.run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (10.0, Response(1, 200, SSE, None), opened(), Open),
        (
            20.0,
            NetErr(1, Reason::BodyError),
            retry(Reason::BodyError, Some(200), 3000.0, 1),
            Connecting,
        ),
    ]);
    assert!(
        matches!(d.m.on_page(PageEvent::Online, 30.0), Action::Timer(ms) if (0.0..=ONLINE_JITTER).contains(&ms))
    );
}

#[test]
fn coming_back_online_keeps_a_delay_the_server_chose() {
    // A retried status with Retry-After, and the end of the body (after the
    // server's `retry:`): still waited out.
    let mut d = Driver::new(Config {
        retry_on_status: vec![503],
        ..Config::default()
    });
    d.run(&[
        (EPOCH, Connect(URL), fetch(1, ""), Connecting),
        (
            EPOCH,
            Response(1, 503, SSE, Some("10")),
            retry(Reason::Status, Some(503), 10_000.0, 1),
            Connecting,
        ),
        (EPOCH + 1.0, Online, NONE, Connecting),
    ]);
    let mut d = open(Config::default());
    d.run(&[
        (20.0, Body(1, b"retry: 10000\n\n"), NONE, Open),
        (
            30.0,
            End(1),
            retry(Reason::BodyEnded, Some(200), 10_000.0, 1),
            Connecting,
        ),
        (40.0, Online, NONE, Connecting),
    ]);
}

#[test]
fn an_end_of_the_body_while_offline_is_the_networks() {
    // WebKit reports a cut connection as a normal end: while offline it
    // counts no attempt, and coming back online ends the wait, even after
    // `retry:`.
    let mut d = Driver::with_random(
        Config {
            max_attempts: Some(1),
            ..Config::default()
        },
        Box::new(|| 0.0),
    );
    d.run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (10.0, Response(1, 200, SSE, None), opened(), Open),
        (20.0, Body(1, b"retry: 10000\n\n"), NONE, Open),
        (30.0, Offline, NONE, Open),
        (
            40.0,
            End(1),
            retry(Reason::BodyEnded, Some(200), 10_000.0, 0),
            Connecting,
        ),
        (50.0, Online, Action::Timer(0.0), Connecting),
        (50.0, Timer, fetch(2, ""), Connecting),
    ]);
    // Ended while online, then the browser went offline during the wait:
    // the same once it is back.
    let mut d = Driver::with_random(Config::default(), Box::new(|| 0.0));
    d.run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (10.0, Response(1, 200, SSE, None), opened(), Open),
        (20.0, Body(1, b"retry: 10000\n\n"), NONE, Open),
        (
            30.0,
            End(1),
            retry(Reason::BodyEnded, Some(200), 10_000.0, 1),
            Connecting,
        ),
        (40.0, Online, NONE, Connecting),
        (50.0, Offline, NONE, Connecting),
        (60.0, Online, Action::Timer(0.0), Connecting),
    ]);
    // A retried status is the server's answer: an offline spell does not
    // end its wait.
    let mut d = Driver::new(Config {
        retry_on_status: vec![503],
        ..Config::default()
    });
    d.run(&[
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (
            10.0,
            Response(1, 503, SSE, None),
            retry(Reason::Status, Some(503), 3000.0, 1),
            Connecting,
        ),
        (20.0, Offline, NONE, Connecting),
        (30.0, Online, NONE, Connecting),
    ]);
}

#[test]
fn failures_while_offline_neither_grow_the_backoff_nor_use_up_attempts() {
    let mut d = Driver::new(Config {
        max_attempts: Some(1),
        ..backoff(2.0, MAX_DELAY, 0.0)
    });
    d.run(&[
        (0.0, Offline, NONE, Connecting),
        (0.0, Connect(URL), fetch(1, ""), Connecting),
        (
            1.0,
            NetErr(1, Reason::Network),
            retry(Reason::Network, None, 3000.0, 0),
            Connecting,
        ),
        (3001.0, Timer, fetch(2, ""), Connecting),
        (
            3002.0,
            NetErr(2, Reason::Network),
            retry(Reason::Network, None, 3000.0, 0),
            Connecting,
        ),
        (6002.0, Timer, fetch(3, ""), Connecting),
        // A status is the server's answer: it counts, offline or not.
        (6003.0, Online, NONE, Connecting),
        (
            6004.0,
            NetErr(3, Reason::Network),
            retry(Reason::Network, None, 3000.0, 1),
            Connecting,
        ),
        (9004.0, Timer, fetch(4, ""), Connecting),
        (
            9005.0,
            NetErr(4, Reason::Network),
            gave_up(Reason::Network, None, 1),
            Closed,
        ),
    ]);
}
