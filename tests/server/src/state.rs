//! Everything the server remembers between requests: posted scripts, the
//! requests each scenario received, how many of its streams the client
//! abandoned, stored benchmark results and the demo power switch.
//!
//! One `std::sync::Mutex` guards it all; it is never held across an
//! `.await`. Long-polls (`/_wait`, `/_closed`, `/_result`) wait on a single
//! `watch` generation counter that is bumped after every change and then
//! re-check their condition under the lock, so no wake-up can be missed.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use bytes::Bytes;
use hyper::HeaderMap;
use serde::Serialize;
use tokio::sync::watch;

use crate::files::Mount;
use crate::script::Script;

/// What the server keeps about one request to `/sse/{name}`; serialized
/// as-is by `/_requests` and `/_wait`.
#[derive(Serialize, Clone, Debug)]
pub(crate) struct Record {
    pub method: String,
    /// Path and query string, exactly as requested.
    pub path: String,
    /// Lower-cased name to value; repeated headers joined with ", ".
    /// Non-UTF-8 bytes are replaced (see `headers_raw`).
    pub headers: BTreeMap<String, String>,
    /// Every header value as the exact bytes received.
    pub headers_raw: BTreeMap<String, Vec<u8>>,
    /// The request body, lossily decoded as UTF-8.
    pub body: String,
    pub body_b64: String,
    /// Milliseconds since the server started, when the request head arrived.
    pub time_ms: f64,
    /// A CORS preflight, which does not consume an attempt.
    pub preflight: bool,
}

impl Record {
    /// Captures a request.
    pub(crate) fn new(
        method: &str,
        path: &str,
        headers: &HeaderMap,
        body: &[u8],
        time_ms: f64,
        preflight: bool,
    ) -> Record {
        let mut raw: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for (name, value) in headers {
            let entry = raw.entry(name.as_str().to_owned()).or_default();
            if !entry.is_empty() {
                entry.extend_from_slice(b", ");
            }
            entry.extend_from_slice(value.as_bytes());
        }
        let text = raw
            .iter()
            .map(|(k, v)| (k.clone(), String::from_utf8_lossy(v).into_owned()))
            .collect();
        Record {
            method: method.to_owned(),
            path: path.to_owned(),
            headers: text,
            headers_raw: raw,
            body: String::from_utf8_lossy(body).into_owned(),
            body_b64: BASE64.encode(body),
            time_ms,
            preflight,
        }
    }
}

/// Which recorded requests a query is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    All,
    /// Real requests, preflights left out.
    Attempts,
}

impl Kind {
    fn matches(self, r: &Record) -> bool {
        self == Kind::All || !r.preflight
    }
}

/// One named scenario. It exists as soon as it is scripted or requested, so
/// requests to a name nobody scripted are still visible in `/_requests`.
#[derive(Default)]
struct Scenario {
    script: Option<Arc<Script>>,
    /// Bumped by every re-post, so a stream from an older script that ends
    /// late does not count against the new one.
    generation: u64,
    attempts: usize,
    requests: Vec<Record>,
    closed: usize,
    /// Body bytes handed to the connections (what a client that stops
    /// reading lets through before TCP pushes back).
    sent: u64,
}

#[derive(Default)]
struct Inner {
    scenarios: HashMap<String, Scenario>,
    results: HashMap<String, StoredResult>,
    next_generation: u64,
}

/// A body posted to `/_result/{key}`.
#[derive(Clone)]
pub(crate) struct StoredResult {
    pub content_type: Option<hyper::header::HeaderValue>,
    pub body: Bytes,
}

/// What `/sse/{name}` needs to answer after its request was registered.
pub(crate) struct Registered {
    pub script: Option<Arc<Script>>,
    pub attempt: usize,
    pub generation: u64,
}

/// Shared server state, behind an `Arc`.
pub(crate) struct State {
    pub start: Instant,
    pub mounts: Vec<Mount>,
    pub verbose: bool,
    /// The demo's power switch: `false` drops demo connections.
    pub power: watch::Sender<bool>,
    pub bench_cache: crate::bench::Cache,
    inner: Mutex<Inner>,
    changed: watch::Sender<u64>,
}

impl State {
    pub(crate) fn new(mounts: Vec<Mount>, verbose: bool) -> State {
        State {
            start: Instant::now(),
            mounts,
            verbose,
            power: watch::Sender::new(true),
            bench_cache: Default::default(),
            inner: Mutex::default(),
            changed: watch::Sender::new(0),
        }
    }

    pub(crate) fn elapsed_ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere must not take the control API down with it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn bump(&self) {
        self.changed.send_modify(|g| *g = g.wrapping_add(1));
    }

    /// Installs a script, resetting the scenario's attempts and records.
    pub(crate) fn set_script(&self, name: &str, script: Script) {
        {
            let mut inner = self.lock();
            inner.next_generation += 1;
            let generation = inner.next_generation;
            inner.scenarios.insert(
                name.to_owned(),
                Scenario {
                    script: Some(Arc::new(script)),
                    generation,
                    ..Scenario::default()
                },
            );
        }
        self.bump();
    }

    /// Records a request to `/sse/{name}` and, unless it is a preflight,
    /// consumes an attempt.
    pub(crate) fn register(&self, name: &str, record: Record) -> Registered {
        let registered = {
            let mut inner = self.lock();
            let scenario = inner.scenarios.entry(name.to_owned()).or_default();
            let attempt = scenario.attempts;
            if !record.preflight {
                scenario.attempts += 1;
            }
            scenario.requests.push(record);
            Registered {
                script: scenario.script.clone(),
                attempt,
                generation: scenario.generation,
            }
        };
        self.bump();
        registered
    }

    /// Counts a stream whose client went away before its body ended.
    pub(crate) fn client_closed(&self, name: &str, generation: u64) {
        {
            let mut inner = self.lock();
            match inner.scenarios.get_mut(name) {
                Some(s) if s.generation == generation => s.closed += 1,
                _ => return,
            }
        }
        self.bump();
    }

    /// The scenario's recorded requests of `kind` as a JSON array, once at
    /// least `count` of them exist or `timeout` passed; the flag says whether
    /// the count was reached.
    pub(crate) async fn wait_requests(
        &self,
        name: &str,
        kind: Kind,
        count: usize,
        timeout: Duration,
    ) -> (bool, Vec<u8>) {
        let probe = |inner: &Inner| {
            let (n, json) = list_json(inner, name, kind);
            (n >= count).then_some(json)
        };
        match self.wait_for(timeout, probe).await {
            Some(json) => (true, json),
            None => (false, list_json(&self.lock(), name, kind).1),
        }
    }

    /// Counts `bytes` of a scenario's body handed to the connection.
    pub(crate) fn add_sent(&self, name: &str, generation: u64, bytes: usize) {
        let mut inner = self.lock();
        if let Some(s) = inner.scenarios.get_mut(name) {
            if s.generation == generation {
                s.sent += bytes as u64;
            }
        }
    }

    /// Body bytes of the scenario's responses handed to the connection so far.
    pub(crate) fn sent(&self, name: &str) -> u64 {
        self.lock().scenarios.get(name).map_or(0, |s| s.sent)
    }

    /// The scenario's count of client-abandoned streams, once it reaches
    /// `count` or `timeout` passed.
    pub(crate) async fn wait_closed(&self, name: &str, count: usize, timeout: Duration) -> usize {
        let get = |inner: &Inner| inner.scenarios.get(name).map_or(0, |s| s.closed);
        self.wait_for(timeout, |inner| {
            let n = get(inner);
            (n >= count).then_some(n)
        })
        .await
        .unwrap_or_else(|| get(&self.lock()))
    }

    pub(crate) fn store_result(&self, key: &str, result: StoredResult) {
        self.lock().results.insert(key.to_owned(), result);
        self.bump();
    }

    pub(crate) async fn wait_result(&self, key: &str, timeout: Duration) -> Option<StoredResult> {
        self.wait_for(timeout, |inner| inner.results.get(key).cloned())
            .await
    }

    /// Re-evaluates `probe` after every state change until it yields a value
    /// or `timeout` passes.
    async fn wait_for<T>(
        &self,
        timeout: Duration,
        mut probe: impl FnMut(&Inner) -> Option<T>,
    ) -> Option<T> {
        // Subscribe before the first probe: a change between the probe and
        // the wait then still wakes us.
        let mut changes = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(v) = probe(&self.lock()) {
                return Some(v);
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                // Timed out, or the sender is gone (it lives as long as self).
                Ok(Err(_)) | Err(_) => return None,
            }
        }
    }
}

/// The matching records of a scenario: how many, and as a JSON array.
fn list_json(inner: &Inner, name: &str, kind: Kind) -> (usize, Vec<u8>) {
    let list: Vec<&Record> = inner
        .scenarios
        .get(name)
        .map(|s| s.requests.iter().filter(|r| kind.matches(r)).collect())
        .unwrap_or_default();
    (list.len(), to_json(&list))
}

fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing plain structs and maps with string keys cannot fail.
    serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec())
}
