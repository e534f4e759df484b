#![cfg(not(target_arch = "wasm32"))]
//! Native tests of [`ErrorEvent`] (`src/error.rs`): the fields and the one
//! sentence every front end reports for each reason, as the JavaScript
//! `error` event's properties and the Rust API's `SourceEvent::Error`.

use std::collections::HashSet;
use std::time::Duration;

use wasm_eventsource::reconnect::ErrorInfo;
use wasm_eventsource::{ErrorEvent, Reason};

fn info(reason: Reason, status: Option<u16>, retry: Option<u64>, attempt: u32) -> ErrorInfo {
    ErrorInfo {
        reason,
        status,
        retry_delay: retry,
        attempt,
        gave_up: false,
        supplied: false,
    }
}

/// The limits the overflow and inactivity sentences name.
const MAX_BUFFER_SIZE: usize = 1024;
const INACTIVITY_TIMEOUT: Option<f64> = Some(29_999.6);

#[test]
fn each_reason_is_worded_once() {
    let table: &[(ErrorInfo, &str, &str)] = &[
        (
            info(Reason::Network, None, Some(3000), 1),
            "Failed to fetch",
            "network error: Failed to fetch; reconnecting in 3000 ms (attempt 1)",
        ),
        (
            info(Reason::BodyError, Some(200), Some(1234), 2),
            "network error",
            "the stream broke off: network error; reconnecting in 1234 ms (attempt 2)",
        ),
        (
            info(Reason::BodyEnded, Some(200), Some(1), 1),
            "",
            "the server ended the stream; reconnecting in 1 ms (attempt 1)",
        ),
        (
            info(Reason::Status, Some(503), Some(2000), 2),
            "",
            "HTTP status 503 is not 200; reconnecting in 2000 ms (attempt 2)",
        ),
        (
            info(Reason::Status, Some(404), None, 0),
            "",
            "HTTP status 404 is not 200",
        ),
        (
            info(Reason::ContentType, Some(200), None, 0),
            "text/html; charset=utf-8",
            "response Content-Type \"text/html; charset=utf-8\" is not text/event-stream",
        ),
        (
            info(Reason::Overflow, Some(200), None, 0),
            "",
            "an event exceeded maxBufferSize (1024 bytes)",
        ),
        (
            info(Reason::Inactivity, Some(200), Some(3000), 1),
            "",
            "nothing received within inactivityTimeout (30000 ms); reconnecting in 3000 ms (attempt 1)",
        ),
        (
            info(Reason::Scheme, None, None, 0),
            "",
            "the URL's scheme cannot be fetched",
        ),
        (
            info(Reason::Setup, None, Some(10), 1),
            "token service down",
            "preparing the request failed: token service down; reconnecting in 10 ms (attempt 1)",
        ),
        (
            info(Reason::Cors, None, None, 0),
            "Failed to fetch",
            "CORS refused the request (the server answered, but does not allow this origin, \
             or rejected the preflight): Failed to fetch",
        ),
        (
            info(Reason::Aborted, Some(200), None, 0),
            "",
            "the page stopped the request (window.stop())",
        ),
        (
            info(Reason::Redirect, Some(302), None, 0),
            "",
            "the server redirected the request, and the redirect option refuses it \
             (the request's headers would go to the new address; allow it with redirect \"follow\")",
        ),
    ];
    for (info, detail, want) in table {
        let e = ErrorEvent::new(info, detail, MAX_BUFFER_SIZE, INACTIVITY_TIMEOUT);
        assert_eq!(e.message, *want);
        assert_eq!(e.to_string(), *want);
        assert_eq!(
            (e.reason, e.status, e.will_retry, e.attempt, e.gave_up),
            (
                info.reason,
                info.status,
                info.retry_delay.is_some(),
                info.attempt,
                false
            )
        );
        assert_eq!(e.retry_delay, info.retry_delay.map(Duration::from_millis));
        assert_eq!(e.retry_delay_ms(), info.retry_delay);
    }
    let reasons: HashSet<Reason> = table.iter().map(|(i, _, _)| i.reason).collect();
    assert_eq!(
        reasons.len(),
        Reason::ALL.len(),
        "every reason is in the table"
    );
}

#[test]
fn giving_up_says_so() {
    let e = ErrorEvent::new(
        &ErrorInfo {
            gave_up: true,
            ..info(Reason::Network, None, None, 5)
        },
        "",
        MAX_BUFFER_SIZE,
        None,
    );
    assert_eq!(
        e.message,
        "network error; gave up after 5 reconnection attempts (retry.maxAttempts)"
    );
    assert!(e.gave_up && !e.will_retry && e.retry_delay.is_none());
}

#[test]
fn a_supplied_stream_ends_and_errors_in_its_own_words() {
    let supplied = |reason| ErrorInfo {
        supplied: true,
        ..info(reason, Some(200), None, 0)
    };
    let ended = ErrorEvent::new(&supplied(Reason::BodyEnded), "", MAX_BUFFER_SIZE, None);
    assert_eq!(ended.message, "the stream ended");
    let errored = ErrorEvent::new(&supplied(Reason::BodyError), "boom", MAX_BUFFER_SIZE, None);
    assert_eq!(errored.message, "the stream errored: boom");
}

#[test]
fn reason_names_are_distinct_kebab_case() {
    let names: HashSet<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(names.len(), Reason::ALL.len());
    for r in Reason::ALL {
        assert_eq!(r.to_string(), r.as_str());
        assert!(r
            .as_str()
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-'));
    }
}
