//! Fuzz target for the stream parser (`src/parser.rs`): any bytes, at any
//! chunking, under a buffer limit that the input picks.
//!
//! Input layout (every input is valid):
//!
//! - byte 0: the limit. Odd: `byte >> 1` bytes (0 to 127), small enough that
//!   the overflow paths run; even: the default, 64 MiB.
//! - byte 1: how many chunk lengths follow (its value modulo 16).
//! - that many bytes: chunk lengths, used in turn and cycled until the stream
//!   is used up (a 0 feeds an empty chunk). None, or only zeros: the stream
//!   is fed whole.
//! - the rest: the stream.
//!
//! Checked, beyond "no panic":
//!
//! - the packed batch agrees with `Batch::iter()` and `Batch::len()`;
//! - `buffered()` never exceeds the limit (the parser checks before it
//!   stores); after the first `Overflow` every feed returns `Overflow` and
//!   delivers nothing;
//! - without an overflow: the events (type, data, id), the retry value, the
//!   last event id and `buffered()` at the end are those of feeding the whole
//!   stream at once with the default limit; with one, the events delivered
//!   are the first events of the whole stream;
//! - `finish()` leaves nothing buffered and keeps the last event id, and a
//!   parser after `finish()` or `reset()` parses the stream again exactly
//!   like a new parser given that id with `set_last_event_id()`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_eventsource::parser::{Batch, EventParser, Feed, DEFAULT_MAX_BUFFER_SIZE};

#[path = "../../tests/support/batch.rs"]
mod batch;
use batch::Ev;

fuzz_target!(|input: &[u8]| check(input));

/// The limit, the chunk lengths and the stream an input stands for.
fn decode(input: &[u8]) -> (usize, &[u8], &[u8]) {
    let (limit, rest) = input.split_first().map_or((0, input), |(&b, r)| (b, r));
    let (count, rest) = rest.split_first().map_or((0, rest), |(&b, r)| (b, r));
    let (lengths, stream) = rest.split_at(usize::from(count % 16).min(rest.len()));
    let max = if limit & 1 == 1 {
        usize::from(limit >> 1)
    } else {
        DEFAULT_MAX_BUFFER_SIZE
    };
    (max, lengths, stream)
}

/// `stream` cut into chunks of the given lengths, cycled.
fn chunks<'a>(lengths: &[u8], mut stream: &'a [u8]) -> Vec<&'a [u8]> {
    if lengths.iter().all(|&len| len == 0) {
        return vec![stream];
    }
    let mut chunks = Vec::new();
    for &len in lengths.iter().cycle() {
        if stream.is_empty() {
            break;
        }
        let (chunk, rest) = stream.split_at(usize::from(len).min(stream.len()));
        chunks.push(chunk);
        stream = rest;
    }
    chunks
}

/// Everything observable from feeding one stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Outcome {
    /// What each feed returned, and `buffered()` after it.
    feeds: Vec<(Feed, usize)>,
    events: Vec<Ev>,
    /// The last valid `retry:` value.
    retry: Option<u64>,
    /// `last_event_id()` after the last feed.
    last_id: String,
    overflowed: bool,
}

impl Outcome {
    fn buffered_at_end(&self) -> Option<usize> {
        self.feeds.last().map(|&(_, buffered)| buffered)
    }
}

/// Feeds `chunks` to `parser`, checking the limit and the batch format after
/// each feed.
fn run(parser: &mut EventParser, chunks: &[&[u8]]) -> Outcome {
    let max = parser.max_buffer_size();
    let mut batch = Batch::new();
    let mut out = Outcome::default();
    for chunk in chunks {
        let result = parser.feed(chunk, &mut batch);
        let buffered = parser.buffered();
        match result {
            Feed::Ok => {
                assert!(!out.overflowed, "Ok after Overflow");
                assert!(
                    buffered <= max,
                    "Ok with {buffered} bytes held, limit {max}"
                );
            }
            Feed::Overflow if out.overflowed => {
                assert!(
                    batch.is_empty() && batch.retry().is_none(),
                    "a chunk after Overflow was read"
                );
            }
            Feed::Overflow => {
                assert!(
                    buffered <= max,
                    "Overflow with {buffered} bytes held, limit {max}"
                );
                out.overflowed = true;
            }
        }
        out.feeds.push((result, buffered));
        drain(&mut batch, &mut out);
    }
    out.last_id = parser.last_event_id().to_owned();
    out
}

/// Moves the events and retry of `batch` into `out` (checking the packed
/// format), and clears the batch.
fn drain(batch: &mut Batch, out: &mut Outcome) {
    if let Some(retry) = batch::take(batch, &mut out.events) {
        out.retry = Some(retry);
    }
}

/// After `finish()` or `reset()`, `parser` must parse like a new parser given
/// its last event id.
fn check_restart(parser: &mut EventParser, max: usize, chunks: &[&[u8]]) {
    let id = parser.last_event_id().to_owned();
    let mut fresh = EventParser::with_max_buffer_size(max);
    fresh.set_last_event_id(&id);
    // A stream cannot set an id that set_last_event_id() refuses.
    assert_eq!(fresh.last_event_id(), id);
    assert_eq!(parser.buffered(), 0);
    assert_eq!(run(parser, chunks), run(&mut fresh, chunks));
}

fn check(input: &[u8]) {
    let (max, lengths, stream) = decode(input);
    let chunks = chunks(lengths, stream);

    let whole = run(&mut EventParser::new(), &[stream]);
    assert!(!whole.overflowed, "overflow under the default limit");

    let mut parser = EventParser::with_max_buffer_size(max);
    let got = run(&mut parser, &chunks);
    if got.overflowed {
        assert!(got.events.len() <= whole.events.len());
        assert_eq!(got.events, whole.events[..got.events.len()]);
    } else {
        assert_eq!(got.events, whole.events);
        assert_eq!(got.retry, whole.retry);
        assert_eq!(got.last_id, whole.last_id);
        // Chunk boundaries do not change what is held at the end either.
        assert_eq!(
            got.buffered_at_end().unwrap_or(0),
            whole.buffered_at_end().unwrap_or(0)
        );
    }

    // [spec] at the end of the stream an unfinished event is discarded; the
    // last event id stays.
    let last_id = parser.last_event_id().to_owned();
    parser.finish();
    assert_eq!(parser.buffered(), 0);
    assert_eq!(parser.last_event_id(), last_id);
    check_restart(&mut parser, max, &chunks);

    // The second pass may have stopped anywhere, overflowed or not.
    parser.reset();
    check_restart(&mut parser, max, &chunks);
}
