//! The JSON script format for `POST /_script/{name}` and its compiled form.
//!
//! A script is checked and compiled once, when it is posted: base64 is
//! decoded and header names and values are validated, so a typo in a test fails loudly at `POST` time with a 400 that names the
//! problem, instead of as a confusing browser-side error later.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::StatusCode;
use serde::Deserialize;

/// Upper bound on what one `repeat` step may expand to, so a mistyped count
/// cannot exhaust memory on a shared CI machine.
const MAX_REPEAT_BYTES: usize = 256 << 20;

/// Largest frame a `repeat` step is split into: big enough to be fast, small
/// enough that the client sees the data arrive over several reads.
const REPEAT_FRAME: usize = 16 << 10;

/// Which CORS headers a scenario's responses carry.
#[derive(Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Cors {
    /// No CORS headers: cross-origin reads fail.
    None,
    /// `Access-Control-Allow-Origin: *`. The default, because browser tests
    /// run on the test runner's origin and are cross-origin to this server.
    #[default]
    Anonymous,
    /// Echo the request's `Origin` and allow credentials.
    Credentials,
}

/// How a scripted body ends once its steps have been sent.
#[derive(Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum End {
    /// Terminate the body normally (the last chunk of the chunked encoding).
    #[default]
    Close,
    /// Send nothing more and keep the connection open until the client leaves.
    Stall,
    /// Drop the connection without terminating the body: a network error.
    Cut,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptSpec {
    responses: Vec<ResponseSpec>,
    #[serde(default)]
    cors: Cors,
}

fn ok() -> u16 {
    200
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResponseSpec {
    #[serde(default = "ok")]
    status: u16,
    #[serde(default)]
    headers: BTreeMap<String, Option<HeaderValues>>,
    #[serde(default)]
    body: Vec<StepSpec>,
    #[serde(default)]
    end: End,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum HeaderValues {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
enum StepSpec {
    Data(String),
    Bytes(Vec<u8>),
    B64(String),
    Delay(f64),
    Repeat(RepeatSpec),
    Count(CountSpec),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountSpec {
    /// Milliseconds between events.
    interval: f64,
    /// Events to send (unbounded when absent).
    count: Option<u64>,
    /// Bytes of comment sent before each event (`: xxx…`), for a busy
    /// stream.
    #[serde(default)]
    pad: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RepeatSpec {
    count: usize,
    data: String,
}

/// A compiled scenario: what the N-th request to `/sse/{name}` receives.
#[derive(Debug)]
pub(crate) struct Script {
    pub responses: Vec<Arc<ScriptedResponse>>,
    pub cors: Cors,
}

/// One compiled response.
#[derive(Debug)]
pub(crate) struct ScriptedResponse {
    pub status: StatusCode,
    /// Applied in order after the defaults; `None` removes the header.
    pub headers: Vec<(HeaderName, Option<Vec<HeaderValue>>)>,
    pub body: Vec<Step>,
    pub end: End,
}

/// One compiled body step.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// Bytes handed to the connection as one frame, flushed before the next
    /// step if that step waits.
    Send(Bytes),
    Delay(Duration),
    /// Numbered events `id: N` / `data: N`, one every `interval`, starting
    /// after the request's `Last-Event-ID` (or at 1), `count` of them or
    /// without end.
    Count(Counter),
}

/// A `count` step: numbered events, resumable.
#[derive(Debug, Clone)]
pub(crate) struct Counter {
    /// Time between events.
    pub interval: Duration,
    /// Events to send (unbounded when `None`).
    pub count: Option<u64>,
    /// Bytes of a comment line sent before each event (none when 0).
    pub pad: usize,
}

impl Script {
    /// Parses and compiles a posted script.
    pub(crate) fn compile(json: &[u8]) -> Result<Script, String> {
        let spec: ScriptSpec =
            serde_json::from_slice(json).map_err(|e| format!("invalid script JSON: {e}"))?;
        let responses = spec
            .responses
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                compile_response(r)
                    .map(Arc::new)
                    .map_err(|e| format!("responses[{i}]: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Script {
            responses,
            cors: spec.cors,
        })
    }

    /// The response for zero-based attempt `attempt`: past the end, the last
    /// one again; `None` only for an empty script (the caller answers 404).
    pub(crate) fn pick(&self, attempt: usize) -> Option<Arc<ScriptedResponse>> {
        self.responses
            .get(attempt)
            .or(self.responses.last())
            .cloned()
    }
}

fn compile_response(spec: ResponseSpec) -> Result<ScriptedResponse, String> {
    let status = StatusCode::from_u16(spec.status)
        .map_err(|_| format!("status {} is not a valid HTTP status", spec.status))?;
    let mut headers = Vec::with_capacity(spec.headers.len());
    for (name, values) in spec.headers {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("invalid header name {name:?}"))?;
        let values = match values {
            None => None,
            Some(HeaderValues::One(v)) => Some(vec![v]),
            Some(HeaderValues::Many(vs)) => Some(vs),
        };
        let values = values
            .map(|vs| {
                vs.iter()
                    .map(|v| {
                        // from_bytes, not from_str: tests need non-ASCII
                        // (obs-text) values to reach the client unchanged.
                        HeaderValue::from_bytes(v.as_bytes())
                            .map_err(|_| format!("invalid value {v:?} for header {name}"))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        headers.push((header, values));
    }
    let mut body = Vec::with_capacity(spec.body.len());
    for (i, step) in spec.body.into_iter().enumerate() {
        compile_step(step, &mut body).map_err(|e| format!("body[{i}]: {e}"))?;
    }
    Ok(ScriptedResponse {
        status,
        headers,
        body,
        end: spec.end,
    })
}

/// Decodes a `b64` step: standard or URL-safe alphabet, padding optional and
/// ASCII whitespace ignored, so hand-written scripts do not have to be exact.
fn decode_b64(text: &str) -> Result<Vec<u8>, String> {
    const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
    const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);
    let text: String = text.split_ascii_whitespace().collect();
    let engine = if text.contains(['-', '_']) {
        &URL_SAFE
    } else {
        &STANDARD
    };
    engine
        .decode(&text)
        .map_err(|e| format!("invalid base64: {e}"))
}

fn compile_step(step: StepSpec, out: &mut Vec<Step>) -> Result<(), String> {
    match step {
        StepSpec::Data(s) => out.push(Step::Send(Bytes::from(s))),
        StepSpec::Bytes(b) => out.push(Step::Send(Bytes::from(b))),
        StepSpec::B64(s) => out.push(Step::Send(Bytes::from(decode_b64(&s)?))),
        StepSpec::Delay(ms) => {
            if !(ms.is_finite() && ms >= 0.0) {
                return Err(format!(
                    "delay must be a non-negative number of ms, got {ms}"
                ));
            }
            out.push(Step::Delay(Duration::from_secs_f64(ms / 1000.0)));
        }
        StepSpec::Count(CountSpec {
            interval,
            count,
            pad,
        }) => {
            if pad > MAX_REPEAT_BYTES {
                return Err(format!(
                    "count.pad must be at most {MAX_REPEAT_BYTES} bytes, got {pad}"
                ));
            }
            if !(interval.is_finite() && interval >= 0.0) {
                return Err(format!(
                    "count.interval must be a non-negative number of ms, got {interval}"
                ));
            }
            out.push(Step::Count(Counter {
                interval: Duration::from_secs_f64(interval / 1000.0),
                count,
                pad,
            }));
        }
        StepSpec::Repeat(RepeatSpec { count, data }) => {
            let total = data
                .len()
                .checked_mul(count)
                .filter(|&t| t <= MAX_REPEAT_BYTES)
                .ok_or_else(|| format!("repeat expands to more than {MAX_REPEAT_BYTES} bytes"))?;
            let all = Bytes::from(data.repeat(count));
            let mut start = 0;
            while start < total {
                let end = (start + REPEAT_FRAME).min(total);
                out.push(Step::Send(all.slice(start..end)));
                start = end;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(r: &ScriptedResponse) -> Vec<u8> {
        r.body
            .iter()
            .filter_map(|s| match s {
                Step::Send(b) => Some(b.to_vec()),
                Step::Delay(_) | Step::Count(_) => None,
            })
            .flatten()
            .collect()
    }

    #[test]
    fn defaults_and_headers() {
        let s = Script::compile(
            br#"{"responses":[{"body":[{"data":"x"},{"delay":5}],
                 "headers":{"Location":"/sse/b","Content-Type":null,"X-Many":["a","b"]}}]}"#,
        )
        .expect("valid script");
        assert_eq!(s.cors, Cors::Anonymous);
        let r = s.pick(7).expect("past the end, the last response repeats");
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.end, End::Close);
        assert_eq!(sent(&r), b"x");
        assert_eq!(r.headers[0].0, "content-type");
        assert!(r.headers[0].1.is_none());
        assert_eq!(
            r.headers[1].1.as_deref(),
            Some(&[HeaderValue::from_static("/sse/b")][..])
        );
        assert_eq!(r.headers[2].1.as_ref().map(Vec::len), Some(2));
        let empty = Script::compile(br#"{"responses":[]}"#).expect("valid script");
        assert!(empty.pick(0).is_none());
    }

    #[test]
    fn raw_bytes_and_repeat() {
        let s = Script::compile(
            br#"{"cors":"none","responses":[{"end":"cut","body":[
                {"bytes":[239,187,191]},{"b64":"/w=="},{"repeat":{"count":3,"data":"ab"}}]}]}"#,
        )
        .expect("valid script");
        let r = s.pick(0).expect("first response");
        assert_eq!(s.cors, Cors::None);
        assert_eq!(r.end, End::Cut);
        assert_eq!(sent(&r), b"\xEF\xBB\xBF\xFFababab");
    }

    #[test]
    fn base64_is_lenient() {
        for text in ["77u/", "77u_", "/w==", "_w", "/w", " 77\nu/ "] {
            assert!(decode_b64(text).is_ok(), "{text:?}");
        }
        assert_eq!(decode_b64("77u_").as_deref(), Ok(&[0xEF, 0xBB, 0xBF][..]));
        assert_eq!(decode_b64("_w").as_deref(), Ok(&[0xFF][..]));
        assert!(decode_b64("a*b").is_err());
    }

    #[test]
    fn rejects_mistakes_with_a_useful_message() {
        for (json, needle) in [
            (&br#"{"responses":[{"staus":200}]}"#[..], "staus"),
            (br#"{"responses":[{"status":42}]}"#, "status 42"),
            (br#"{"responses":[{"body":[{"dealy":1}]}]}"#, "dealy"),
            (br#"{"responses":[{"body":[{"b64":"!!"}]}]}"#, "body[0]"),
            (br#"{"responses":[{"headers":{"a b":"c"}}]}"#, "header name"),
            (br#"{"responses":[],"cors":"maybe"}"#, "maybe"),
        ] {
            let err = Script::compile(json).expect_err("must be rejected");
            assert!(err.contains(needle), "{err:?} should mention {needle:?}");
        }
    }
}
