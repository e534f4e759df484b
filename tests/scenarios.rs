//! The scenario table (`tests/scenarios.json`) and the option cases
//! (`tests/options-cases.json`), played by the Rust API in a headless
//! browser (`wasm-pack test --headless --chrome -- --test scenarios`; `make
//! test-wasm` runs it). The JavaScript class plays the same tables
//! (`tests/browser/scenarios.test.mjs`, `tests/js/options.test.mjs`), so the
//! two front ends, each on its own driver, cannot drift apart.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use gloo_timers::future::TimeoutFuture;
use serde_json::{json, Value};
use wasm_bindgen_test::*;
use wasm_eventsource::options::{self, Rule};
use wasm_eventsource::{
    BuildError, Builder, Credentials, EventSource, Redirect, SourceEvent, StreamEnd,
};

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{http, server};

/// A value the builder's types cannot hold (a negative count, a boolean
/// jitter): refused by the type, as a build error would refuse it.
#[derive(Debug)]
struct Unrepresentable;

/// The option of `src/rules.json` whose JavaScript name is `js`.
fn rule(js: &str) -> Rule {
    options::ALL
        .iter()
        .find(|r| r.js == js)
        .copied()
        .unwrap_or_else(|| panic!("no rule for {js}"))
}

/// Milliseconds as a Duration.
fn ms(value: &Value) -> Result<Duration, Unrepresentable> {
    match value.as_f64() {
        Some(ms) if ms >= 0.0 && ms.is_finite() => Ok(Duration::from_secs_f64(ms / 1000.0)),
        _ => Err(Unrepresentable),
    }
}

/// A whole number that fits `T`.
fn whole<T: TryFrom<u64>>(value: &Value) -> Result<T, Unrepresentable> {
    value
        .as_u64()
        .and_then(|n| T::try_from(n).ok())
        .ok_or(Unrepresentable)
}

fn text(value: &Value) -> Result<&str, Unrepresentable> {
    value.as_str().ok_or(Unrepresentable)
}

/// The builder calls a JavaScript init dictionary stands for.
fn builder(url: &str, init: &Value) -> Result<Builder, Unrepresentable> {
    let mut b = EventSource::builder(url);
    let empty = serde_json::Map::new();
    for (key, value) in init.as_object().unwrap_or(&empty) {
        b = match key.as_str() {
            "withCredentials" => b.with_credentials(value.as_bool().ok_or(Unrepresentable)?),
            "method" => b.method(text(value)?),
            "body" => b.body(text(value)?),
            "headers" => {
                let mut b = b;
                for (name, v) in value.as_object().ok_or(Unrepresentable)? {
                    b = b.header(name, text(v)?);
                }
                b
            }
            "credentials" => b.credentials(match text(value)? {
                "omit" => Credentials::Omit,
                "same-origin" => Credentials::SameOrigin,
                "include" => Credentials::Include,
                _ => return Err(Unrepresentable),
            }),
            "streamEnd" => b.stream_end(match text(value)? {
                "reconnect" => StreamEnd::Reconnect,
                "close" => StreamEnd::Close,
                _ => return Err(Unrepresentable),
            }),
            "redirect" => b.redirect(match text(value)? {
                "follow" => Redirect::Follow,
                "error" => Redirect::Error,
                _ => return Err(Unrepresentable),
            }),
            "lastEventId" => b.last_event_id(text(value)?),
            "lastEventIdQueryParam" => b.last_event_id_query_param(text(value)?),
            "retry" => {
                let mut b = b;
                for (k, v) in value.as_object().ok_or(Unrepresentable)? {
                    b = match k.as_str() {
                        "initialDelay" => b.initial_delay(ms(v)?),
                        "maxDelay" => b.max_delay(ms(v)?),
                        "multiplier" => b.multiplier(v.as_f64().ok_or(Unrepresentable)?),
                        "jitter" => b.jitter(v.as_f64().ok_or(Unrepresentable)?),
                        "maxAttempts" => b.max_attempts(whole(v)?),
                        other => panic!("no builder method for retry.{other}"),
                    };
                }
                b
            }
            "retryOnStatus" => {
                let statuses: Result<Vec<u16>, _> = value
                    .as_array()
                    .ok_or(Unrepresentable)?
                    .iter()
                    .map(whole)
                    .collect();
                b.retry_on_status(statuses?)
            }
            "inactivityTimeout" => b.inactivity_timeout(ms(value)?),
            "maxBufferSize" => b.max_buffer_size(whole(value)?),
            other => panic!("no builder method for {other}"),
        };
    }
    Ok(b)
}

/// The same value, valid or not, for both front ends: each case of
/// `tests/options-cases.json` is refused by the builder (naming the option's
/// Rust name) exactly when the JavaScript class refuses it.
#[wasm_bindgen_test]
fn option_cases_get_the_javascript_verdicts() {
    let table: Value = serde_json::from_str(include_str!("options-cases.json")).unwrap();
    let cases = table["cases"].as_array().unwrap();
    let url = format!("{}/sse/unused", server());
    let mut checked = 0;
    for case in cases {
        if case["only"] == "js" {
            continue;
        }
        let init = &case["init"];
        let valid = case["valid"].as_bool().unwrap();
        let verdict = builder(&url, init).map(Builder::build);
        match (verdict, valid) {
            (Ok(Ok(source)), true) => source.close(),
            (Ok(Err(BuildError::Option { option, .. })), false) => {
                let js = case["option"].as_str().unwrap();
                assert_eq!(option, rule(js).rust, "{init}: names the option");
            }
            (Err(Unrepresentable), false) => {}
            (other, _) => panic!("{init}: expected valid = {valid}, got {other:?}"),
        }
        checked += 1;
    }
    assert!(checked > 50, "{checked} cases");
}

/// An item as the table writes it.
fn item(event: &SourceEvent) -> Value {
    match event {
        SourceEvent::Open => json!(["open"]),
        SourceEvent::Message(m) => json!(["message", m.event_type, m.data, m.last_event_id]),
        SourceEvent::Error(e) => json!([
            "error",
            e.reason.as_str(),
            e.status,
            e.will_retry,
            e.retry_delay_ms(),
            e.attempt,
            e.gave_up,
            e.message
        ]),
    }
}

/// Whether `got` is the table's `want`, where {detail} stands for any text.
fn same_message(got: &str, want: &str) -> bool {
    match want.split_once("{detail}") {
        None => got == want,
        Some((before, after)) => {
            got.len() >= before.len() + after.len()
                && got.starts_with(before)
                && got.ends_with(after)
        }
    }
}

/// The request field the table names: the method, body, query, or a header.
fn request_field(request: &Value, field: &str) -> Value {
    match field {
        "method" | "body" => request[field].clone(),
        "query" => {
            let path = request["path"].as_str().unwrap_or_default();
            json!(path.split_once('?').map_or("", |(_, q)| q))
        }
        header => request["headers"][header].clone(),
    }
}

#[wasm_bindgen_test]
async fn scenarios_play_as_the_table_says() {
    let table: Value = serde_json::from_str(include_str!("scenarios.json")).unwrap();
    for scenario in table["scenarios"].as_array().unwrap() {
        let name = format!("rs-{}", scenario["name"].as_str().unwrap());
        let responses = json!({ "responses": scenario["responses"] });
        http(
            "POST",
            &format!("/_script/{name}"),
            Some(&responses.to_string()),
        )
        .await;
        let url = format!("{}/sse/{name}", server());
        let mut source = builder(&url, &scenario["init"]).unwrap().build().unwrap();
        let until = scenario["until"].as_u64().unwrap() as usize;
        let mut items = Vec::new();
        while items.len() < until {
            match select(source.next(), TimeoutFuture::new(10_000)).await {
                Either::Left((Some(event), _)) => items.push(item(&event)),
                Either::Left((None, _)) => break,
                Either::Right(_) => panic!("{name}: nothing within 10 s after {items:?}"),
            }
        }
        source.close();
        let want = scenario["events"].as_array().unwrap();
        assert_eq!(items.len(), want.len(), "{name}: {items:?}");
        for (i, (got, want)) in items.iter().zip(want).enumerate() {
            if want[0] == "error" {
                assert_eq!(
                    got.as_array().unwrap()[..7],
                    want.as_array().unwrap()[..7],
                    "{name} item {i}"
                );
                assert!(
                    same_message(got[7].as_str().unwrap(), want[7].as_str().unwrap()),
                    "{name} item {i}: {} is not {}",
                    got[7],
                    want[7]
                );
            } else {
                assert_eq!(got, want, "{name} item {i}");
            }
        }
        if let Some(requests) = scenario["requests"].as_array() {
            let text = http(
                "GET",
                &format!(
                    "/_wait/{name}?count={}&kind=attempts&timeout=10000",
                    requests.len()
                ),
                None,
            )
            .await;
            let recorded: Vec<Value> = serde_json::from_str(&text).unwrap();
            assert!(recorded.len() >= requests.len(), "{name}: {recorded:?}");
            for (i, (request, fields)) in recorded.iter().zip(requests).enumerate() {
                for (field, value) in fields.as_object().unwrap() {
                    assert_eq!(
                        &request_field(request, field),
                        value,
                        "{name} request {i} {field}"
                    );
                }
            }
        }
    }
}
