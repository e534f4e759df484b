//! Reading a parser [`Batch`] in the native parser tests (`tests/parser.rs`)
//! and the fuzz target (`fuzz/fuzz_targets/parser.rs`), which include this
//! file with `#[path]`: the packed format is checked against `iter()` and
//! `len()` the same way in both.

use wasm_eventsource::parser::Batch;

/// One dispatched event, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ev {
    pub event_type: String,
    pub data: String,
    pub last_event_id: String,
}

/// Checks that `batch.packed()` is `data\rtype\rid\r` per event and agrees,
/// decoded as JavaScript decodes it (the whole batch at once, invalid UTF-8
/// as U+FFFD), with `iter()`, `len()` and `is_empty()`; then appends the
/// events to `events`, returns the batch's `retry:` value, and clears the
/// batch.
pub fn take(batch: &mut Batch, events: &mut Vec<Ev>) -> Option<u64> {
    let text = String::from_utf8_lossy(batch.packed()).into_owned();
    let parts: Vec<&str> = text.split('\r').collect();
    assert_eq!(
        parts.len(),
        3 * batch.len() + 1,
        "packed: {:?}",
        batch.packed()
    );
    assert_eq!(parts.last(), Some(&""));
    assert_eq!(batch.is_empty(), batch.iter().next().is_none());
    let mut count = 0;
    for (event, triple) in batch.iter().zip(parts.chunks(3)) {
        assert_eq!(
            [&*event.data, &*event.event_type, &*event.last_event_id],
            triple
        );
        assert!(!event.event_type.is_empty());
        events.push(Ev {
            event_type: event.event_type.into_owned(),
            data: event.data.into_owned(),
            last_event_id: event.last_event_id.into_owned(),
        });
        count += 1;
    }
    assert_eq!(count, batch.len());
    let retry = batch.retry();
    batch.clear();
    retry
}
