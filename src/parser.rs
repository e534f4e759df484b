//! The `text/event-stream` parser: bytes in, events out.
//!
//! This module owns every rule of the standard's
//! [parsing an event stream](https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream)
//! and [interpreting an event stream](https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)
//! sections: UTF-8 decoding (invalid sequences become U+FFFD, one leading BOM
//! is dropped), line splitting at CRLF, LF or CR, fields, comments, the data,
//! event type and last-event-id buffers, and dispatch. It is sans-IO: the
//! caller hands it the body's chunks as they arrive ([`EventParser::feed`])
//! and gets the completed events back in a [`Batch`]. It knows nothing about
//! fetch, timers or JavaScript; `retry:` values are reported, not acted on.
//!
//! Chunk boundaries never change the result: a code point, a CRLF pair or a
//! BOM split across chunks is handled exactly as if the whole stream had been
//! decoded first.
//!
//! ```
//! use wasm_eventsource::parser::{Batch, Event, EventParser, Feed};
//!
//! let mut parser = EventParser::new();
//! let mut batch = Batch::new();
//! assert_eq!(parser.feed(b"id: 1\nevent: greet\ndata: hel", &mut batch), Feed::Ok);
//! assert!(batch.is_empty());
//! assert_eq!(parser.feed(b"lo\n\n: comment\n", &mut batch), Feed::Ok);
//! let greet = Event { event_type: "greet", data: "hello", last_event_id: "1" };
//! assert_eq!(batch.iter().collect::<Vec<_>>(), [greet]);
//! assert_eq!(batch.packed(), "hello\rgreet\r1\r");
//! batch.clear();
//! parser.finish();
//! assert_eq!(parser.last_event_id(), "1");
//! ```
//!
//! # Output
//!
//! A [`Batch`] carries all events completed by one or more feeds as one
//! string, so they can cross to JavaScript in a single call: for each event,
//! `data`, `\r`, event type, `\r`, last event id, `\r`. None of the three can
//! contain a CR (a CR always ends a line), so `packed.split('\r')` splits it.
//! [`Batch::iter`] decodes it on the Rust side.
//!
//! # Memory and limits
//!
//! The parser holds only what is not yet complete: the data and event type
//! buffers, the last-event-id buffer, and the part of the current line it
//! still needs (at most the first seven bytes of a line, until they tell
//! which field it is; an `event`, `id` or `retry` line that spans chunks; and
//! up to three bytes of a code point cut by a chunk boundary in a `data:`
//! value). A `data:` value is decoded straight into the data buffer as it
//! arrives and a comment or unknown field is skipped without being stored, so
//! a large event costs about its own size (plus the buffer's doubling
//! headroom) and is copied once, from the input into the data buffer; at
//! dispatch that buffer is moved, not copied, into the batch when the batch
//! is empty.
//!
//! The total held is capped by [`EventParser::max_buffer_size`], by default
//! [`DEFAULT_MAX_BUFFER_SIZE`] (64 MiB). A feed that would go beyond it stops
//! and returns [`Feed::Overflow`]; the caller is expected to fail the
//! connection.

use alloc::string::String;
use alloc::vec::Vec;

use memchr::{memchr, memchr2};

/// Default cap on the bytes an [`EventParser`] holds for incomplete input:
/// 64 MiB.
///
/// It bounds the partial line, the data and event type buffers and the
/// last-event-id buffer together, i.e. roughly the largest event a stream can
/// deliver.
pub const DEFAULT_MAX_BUFFER_SIZE: usize = 64 * 1024 * 1024;

/// The UTF-8 byte order mark, dropped once at the start of a stream.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// `EventParser::bom` once the stream's first bytes have been checked.
const BOM_DECIDED: u8 = 3;

/// Length of the longest field name the parser acts on (`event`, `retry`).
const MAX_FIELD_NAME: usize = 5;

/// How many bytes of a line's start always tell what the line is: the
/// longest name, its colon, and the byte that may be the space after it.
const LINE_HEAD: usize = MAX_FIELD_NAME + 2;

/// Buffers that grew beyond this are released on `reset()`, so one huge event
/// does not pin its memory for the rest of the page's life.
const KEEP_CAPACITY: usize = 1024 * 1024;

/// The result of [`EventParser::feed`].
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// The chunk was consumed; complete events are in the batch.
    Ok,
    /// Holding the chunk's incomplete input would exceed
    /// [`EventParser::max_buffer_size`]. Events completed earlier in the same
    /// chunk are still in the batch. The parser stops and keeps returning
    /// `Overflow` until [`EventParser::reset`]; the connection should be
    /// failed.
    Overflow,
}

/// Events completed by one or more [`EventParser::feed`] calls, packed into a
/// single string.
///
/// Reuse one batch for a whole stream and [`clear`](Batch::clear) it after
/// each chunk has been handed on: its buffer is recycled, so a steady stream
/// does not allocate.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    text: String,
    count: usize,
    retry: Option<u64>,
}

/// One event, borrowed from a [`Batch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// The event type: the `event:` field's value, or `"message"` when the
    /// block had none (or an empty one).
    pub event_type: &'a str,
    /// The `data:` lines joined with LF.
    pub data: &'a str,
    /// The source's last event id when the event was dispatched.
    pub last_event_id: &'a str,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets the events and the retry value, keeping the allocation.
    pub fn clear(&mut self) {
        self.text.clear();
        self.count = 0;
        self.retry = None;
    }

    /// Number of events in the batch.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the batch holds no event. A batch without events may still
    /// carry a [`retry`](Batch::retry) value.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The last valid `retry:` value (milliseconds) parsed since the last
    /// [`clear`](Batch::clear). Values beyond `u64::MAX` saturate.
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// All events as one string: for each event, `data`, `\r`, event type,
    /// `\r`, last event id, `\r`. Split it with `split('\r')` and take the
    /// parts three at a time; the final empty part after the last `\r` is
    /// not an event.
    pub fn packed(&self) -> &str {
        &self.text
    }

    /// The events in the order they were dispatched.
    pub fn iter(&self) -> impl Iterator<Item = Event<'_>> {
        let mut parts = self.text.split('\r');
        (0..self.count).map_while(move |_| {
            Some(Event {
                data: parts.next()?,
                event_type: parts.next()?,
                last_event_id: parts.next()?,
            })
        })
    }
}

/// The fields the standard gives a meaning to; every other name is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Data,
    Event,
    Id,
    Retry,
}

impl Field {
    /// The field a complete name stands for. Comparing bytes is the same as
    /// comparing decoded text: invalid bytes decode to U+FFFD, never to ASCII.
    fn from_name(name: &[u8]) -> Option<Self> {
        // [spec] field names are case-sensitive.
        match name {
            b"data" => Some(Self::Data),
            b"event" => Some(Self::Event),
            b"id" => Some(Self::Id),
            b"retry" => Some(Self::Retry),
            _ => None,
        }
    }

    fn is_name_prefix(prefix: &[u8]) -> bool {
        [&b"data"[..], b"event", b"id", b"retry"]
            .iter()
            .any(|name| name.starts_with(prefix))
    }
}

/// What a line, or the start of one, is under the standard's line rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Split<'a> {
    /// An empty line.
    Dispatch,
    /// A comment, or a field the parser does not act on.
    Ignore,
    /// A field the parser acts on, and its value (so far, for the start of a
    /// line).
    Field(Field, &'a [u8]),
    /// The start of a line, too short yet to tell what the line is.
    Undecided,
}

/// Applies the standard's line rules to `line`: a whole line (without its
/// line ending) when `ends`, otherwise the start of a line that goes on in a
/// later chunk. This is the one place those rules are written; what a field
/// then does is [`EventParser::apply`]'s.
///
/// A start of at least [`LINE_HEAD`] bytes is never `Undecided`.
// Inlined so that each caller's `ends` is a constant (for the lines inside a
// chunk this is the hot path).
#[inline(always)]
fn split_line(line: &[u8], ends: bool) -> Split<'_> {
    match line.first() {
        // [spec] empty line: dispatch.
        None if ends => Split::Dispatch,
        None => Split::Undecided,
        // [spec] a line starting with a colon is a comment.
        Some(b':') => Split::Ignore,
        Some(_) => match find_colon(line) {
            // [spec] split at the first colon; drop one space after it.
            Some(colon) => match Field::from_name(&line[..colon]) {
                Some(field) => match &line[colon + 1..] {
                    [b' ', value @ ..] => Split::Field(field, value),
                    // The space, if there is one, is still to come.
                    [] if !ends => Split::Undecided,
                    value => Split::Field(field, value),
                },
                // [spec] any other field is ignored.
                None => Split::Ignore,
            },
            // [spec] no colon: the whole line is the name, the value is
            // empty.
            None if ends => match Field::from_name(line) {
                Some(field) => Split::Field(field, &[]),
                None => Split::Ignore,
            },
            None if Field::is_name_prefix(line) => Split::Undecided,
            // [spec] a name that is no known one (not even the start of
            // one): ignored.
            None => Split::Ignore,
        },
    }
}

/// Where the parser is in a line that continues into the next chunk.
#[derive(Debug, Clone, Copy)]
enum Line {
    /// At the start of a line, or past its first `len` bytes, which do not
    /// tell yet what the line is.
    Head { buf: [u8; LINE_HEAD], len: u8 },
    /// An `event`, `id` or `retry` line, collected in `pending` until it
    /// ends and then read like a line inside a chunk.
    Collect,
    /// A `data` line: its value goes into the data buffer as it arrives.
    Data,
    /// A comment or ignored field: skipped up to the line end, not stored.
    Skip,
}

impl Line {
    /// Nothing of the current line seen yet.
    const START: Self = Self::Head {
        buf: [0; LINE_HEAD],
        len: 0,
    };
}

/// Bytes of a code point cut off by the end of a chunk, in a `data:` value
/// that continues into the next chunk.
#[derive(Debug, Clone, Copy, Default)]
struct Utf8Tail {
    buf: [u8; 4],
    len: u8,
}

impl Utf8Tail {
    /// Decodes `bytes` onto `out`. A code point cut off by the end of `bytes`
    /// is kept for the next call unless `ends` says the value ends here (the
    /// next byte is a CR or LF), in which case it becomes U+FFFD, as the
    /// decoder would make it when the terminator arrives.
    fn push(&mut self, mut bytes: &[u8], out: &mut String, ends: bool) {
        if self.len > 0 {
            bytes = self.complete(bytes, out);
            if self.len > 0 {
                // `bytes` ran out before the code point was complete.
                if ends {
                    out.push(char::REPLACEMENT_CHARACTER);
                    self.len = 0;
                }
                return;
            }
        }
        let keep = if ends { 0 } else { incomplete_suffix(bytes) };
        let (body, rest) = bytes.split_at(bytes.len() - keep);
        push_lossy(body, out);
        self.buf[..keep].copy_from_slice(rest);
        self.len = keep as u8;
    }

    /// Feeds the held bytes plus the start of `bytes` to the decoder and
    /// returns what is left of `bytes`.
    fn complete<'b>(&mut self, bytes: &'b [u8], out: &mut String) -> &'b [u8] {
        let have = usize::from(self.len);
        let need = sequence_len(self.buf[0]).saturating_sub(have);
        let take = need.min(bytes.len());
        self.buf[have..have + take].copy_from_slice(&bytes[..take]);
        match core::str::from_utf8(&self.buf[..have + take]) {
            Ok(s) => {
                out.push_str(s);
                self.len = 0;
                &bytes[take..]
            }
            Err(e) => match e.error_len() {
                None => {
                    self.len = (have + take) as u8;
                    &bytes[take..]
                }
                Some(bad) => {
                    // [spec] U+FFFD for the maximal invalid subpart; the byte
                    // that broke the sequence is decoded afresh.
                    out.push(char::REPLACEMENT_CHARACTER);
                    self.len = 0;
                    bytes.get(bad.saturating_sub(have)..).unwrap_or_default()
                }
            },
        }
    }
}

/// Length of the UTF-8 sequence a byte starts (1 for ASCII and for bytes
/// that cannot start one).
fn sequence_len(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}

/// Length of a valid but unfinished sequence at the very end of `bytes`, or 0.
fn incomplete_suffix(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(3) {
        let start = bytes.len() - back;
        let lead = bytes[start];
        if lead & 0xC0 != 0x80 {
            let unfinished = sequence_len(lead) > back
                && core::str::from_utf8(&bytes[start..])
                    .err()
                    .is_some_and(|e| e.error_len().is_none());
            return if unfinished { back } else { 0 };
        }
    }
    0
}

/// Position of the colon that ends a line's field name. Only names the
/// parser acts on matter, so the search stops after the longest of them: a
/// colon found later belongs to an unknown field.
fn find_colon(line: &[u8]) -> Option<usize> {
    line.iter()
        .take(MAX_FIELD_NAME + 1)
        .position(|&b| b == b':')
}

/// Decodes `bytes` (complete: no code point continues past the end) onto
/// `out`.
fn push_lossy(bytes: &[u8], out: &mut String) {
    // [spec] UTF-8 decode: invalid sequences become U+FFFD, one per maximal
    // subpart (what `Utf8Chunks` yields), as the WHATWG decoder does.
    match core::str::from_utf8(bytes) {
        Ok(s) => out.push_str(s),
        Err(_) => {
            for chunk in bytes.utf8_chunks() {
                out.push_str(chunk.valid());
                if !chunk.invalid().is_empty() {
                    out.push(char::REPLACEMENT_CHARACTER);
                }
            }
        }
    }
}

/// The length of `bytes` once [`push_lossy`] has decoded them.
fn decoded_len(bytes: &[u8]) -> usize {
    bytes
        .utf8_chunks()
        .map(|chunk| {
            let replaced = if chunk.invalid().is_empty() {
                0
            } else {
                char::REPLACEMENT_CHARACTER.len_utf8()
            };
            chunk.valid().len() + replaced
        })
        .sum()
}

/// Decodes a string's worth of `bytes` into `out`, replacing its contents,
/// unless the result would be longer than `room` (then `out` is unchanged).
fn set_lossy(bytes: &[u8], out: &mut String, room: usize) -> Result<(), Overflow> {
    match core::str::from_utf8(bytes) {
        Ok(text) if text.len() <= room => {
            out.clear();
            out.push_str(text);
        }
        // Invalid bytes grow when decoded (to U+FFFD), so the decoded size is
        // checked: a value collected from many chunks may grow threefold at
        // once.
        Err(_) if decoded_len(bytes) <= room => {
            out.clear();
            push_lossy(bytes, out);
        }
        _ => return Err(Overflow),
    }
    Ok(())
}

/// The reconnection time a `retry:` value sets, if any.
fn parse_retry(value: &[u8]) -> Option<u64> {
    // [spec] only ASCII digits, read as a base-ten integer; an empty value is
    // ignored too. Huge values saturate instead of being dropped.
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(value.iter().fold(0u64, |ms, &digit| {
        ms.saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'))
    }))
}

/// Internal marker: the buffer limit was hit.
struct Overflow;

/// A streaming `text/event-stream` parser for one event source.
///
/// Feed it the response body's chunks with [`feed`](EventParser::feed); call
/// [`finish`](EventParser::finish) when the body ends and
/// [`reset`](EventParser::reset) before parsing a new connection's body. The
/// last event id survives both.
#[derive(Debug)]
pub struct EventParser {
    max_buffer_size: usize,
    /// BOM bytes matched at the start of the stream, or `BOM_DECIDED`.
    bom: u8,
    /// The previous chunk ended with a CR: an LF starting this chunk belongs
    /// to the same line ending.
    after_cr: bool,
    line: Line,
    /// The current line's bytes as received, while `line` is `Collect`.
    pending: Vec<u8>,
    /// The end of a `data:` value so far, when it is a cut code point.
    tail: Utf8Tail,
    data: String,
    event_type: String,
    id_buffer: String,
    /// The source's last event id, set from `id_buffer` at each dispatch.
    last_event_id: String,
    /// `id_buffer` changed since it was last copied to `last_event_id`.
    id_changed: bool,
    overflowed: bool,
}

impl Default for EventParser {
    fn default() -> Self {
        Self::new()
    }
}

impl EventParser {
    /// A parser with the default buffer limit, [`DEFAULT_MAX_BUFFER_SIZE`].
    pub fn new() -> Self {
        Self::with_max_buffer_size(DEFAULT_MAX_BUFFER_SIZE)
    }

    /// A parser that holds at most `max` bytes of incomplete input (see
    /// [`feed`](EventParser::feed) for what counts).
    pub fn with_max_buffer_size(max: usize) -> Self {
        Self {
            max_buffer_size: max,
            bom: 0,
            after_cr: false,
            line: Line::START,
            pending: Vec::new(),
            tail: Utf8Tail::default(),
            data: String::new(),
            event_type: String::new(),
            id_buffer: String::new(),
            last_event_id: String::new(),
            id_changed: false,
            overflowed: false,
        }
    }

    /// The buffer limit this parser was created with.
    pub fn max_buffer_size(&self) -> usize {
        self.max_buffer_size
    }

    /// Sets the last event id, e.g. from a user option, as if a previous
    /// connection had dispatched it: both the source's last event id and the
    /// last-event-id buffer take the value.
    ///
    /// An id containing CR, LF or U+0000 is ignored: no `id:` line can set
    /// one (CR and LF end the line, an id with U+0000 is ignored), it cannot
    /// go out as a header, and a CR would break the [`Batch::packed`] format.
    /// Callers taking the id from a user should reject such a value first.
    pub fn set_last_event_id(&mut self, id: &str) {
        if id.contains(['\r', '\n', '\0']) {
            return;
        }
        self.id_buffer.clear();
        self.id_buffer.push_str(id);
        self.last_event_id.clear();
        self.last_event_id.push_str(id);
        self.id_changed = false;
    }

    /// The source's last event id: the last-event-id buffer as of the most
    /// recent dispatch (an `id:` in a block without data counts too). This is
    /// what goes out as `Last-Event-ID` on reconnection.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// Parses the next chunk of the body and appends the events it completes
    /// to `out` (without clearing `out`). A `retry:` value sets
    /// [`Batch::retry`].
    ///
    /// # Limit
    ///
    /// The bytes held for incomplete input ([`buffered`](EventParser::buffered))
    /// plus the last-event-id buffer may not exceed
    /// [`max_buffer_size`](EventParser::max_buffer_size). Growth is checked
    /// before bytes are stored, so a feed that returns [`Feed::Ok`] always
    /// leaves the parser within the limit. When it returns
    /// [`Feed::Overflow`], the held bytes exceed the limit by at most twice
    /// the chunk's length (invalid bytes grow threefold when decoded to
    /// U+FFFD), and every later feed returns `Overflow` without reading its
    /// chunk until [`reset`](EventParser::reset).
    pub fn feed(&mut self, chunk: &[u8], out: &mut Batch) -> Feed {
        if self.overflowed {
            return Feed::Overflow;
        }
        match self.parse(chunk, out) {
            Ok(()) => Feed::Ok,
            Err(Overflow) => {
                self.overflowed = true;
                Feed::Overflow
            }
        }
    }

    /// Whether a feed overflowed the limit since the last
    /// [`reset`](EventParser::reset) (every feed returns
    /// [`Feed::Overflow`] until then).
    pub fn is_overflowed(&self) -> bool {
        self.overflowed
    }

    /// Ends the stream: an event whose closing blank line never came, and a
    /// final line without its line ending, are discarded. Same as
    /// [`reset`](EventParser::reset): the parser is ready for the next
    /// connection.
    pub fn finish(&mut self) {
        // [spec] at end of stream, an incomplete event is not dispatched.
        self.reset();
    }

    /// Prepares for a new connection's body: the partial line and the data
    /// and event type buffers are discarded, and the BOM, CR and overflow
    /// state start over. The source's last event id survives, and the
    /// last-event-id buffer is set back to it (an `id:` of a discarded,
    /// unfinished event does not carry over).
    pub fn reset(&mut self) {
        self.bom = 0;
        self.after_cr = false;
        self.line = Line::START;
        self.tail = Utf8Tail::default();
        self.overflowed = false;
        release(&mut self.pending);
        release(&mut self.data);
        release(&mut self.event_type);
        if self.id_changed {
            self.id_buffer.clone_from(&self.last_event_id);
            self.id_changed = false;
        }
    }

    /// Bytes held for input that does not form a complete event yet: the
    /// unfinished line (including a partial BOM or code point) plus the data
    /// and event type buffers. Zero between events, and after
    /// [`finish`](EventParser::finish).
    pub fn buffered(&self) -> usize {
        let bom = if self.bom < BOM_DECIDED {
            usize::from(self.bom)
        } else {
            0
        };
        let head = match self.line {
            Line::Head { len, .. } => usize::from(len),
            _ => 0,
        };
        bom + head
            + self.pending.len()
            + usize::from(self.tail.len)
            + self.data.len()
            + self.event_type.len()
    }

    /// What the limit counts: [`buffered`](Self::buffered) and the
    /// last-event-id buffer.
    fn held(&self) -> usize {
        self.buffered() + self.id_buffer.len()
    }

    /// Fails if holding `extra` more bytes would exceed the limit.
    fn reserve(&self, extra: usize) -> Result<(), Overflow> {
        if self.held().saturating_add(extra) > self.max_buffer_size {
            Err(Overflow)
        } else {
            Ok(())
        }
    }

    /// How many more bytes the limit allows.
    fn room(&self) -> usize {
        self.max_buffer_size.saturating_sub(self.held())
    }

    fn parse(&mut self, mut rest: &[u8], out: &mut Batch) -> Result<(), Overflow> {
        if self.bom < BOM_DECIDED {
            rest = self.strip_bom(rest, out)?;
        }
        if self.after_cr {
            match rest.split_first() {
                None => return Ok(()),
                // [spec] CR at the end of one chunk + LF at the start of the
                // next: one line ending.
                Some((b'\n', after)) => rest = after,
                Some(_) => {}
            }
            self.after_cr = false;
        }
        if !matches!(self.line, Line::Head { len: 0, .. }) {
            let Some(end) = memchr2(b'\r', b'\n', rest) else {
                return self.continue_line(rest, false, out);
            };
            self.continue_line(&rest[..end], true, out)?;
            rest = self.skip_line_ending(rest, end);
        }
        // Lines that lie entirely in this chunk are read in place.
        while let Some(end) = memchr2(b'\r', b'\n', rest) {
            self.line(&rest[..end], out)?;
            rest = self.skip_line_ending(rest, end);
        }
        self.continue_line(rest, false, out)
    }

    /// Drops one leading BOM, even when its bytes arrive in separate chunks.
    /// Returns the rest of the chunk.
    fn strip_bom<'c>(&mut self, mut rest: &'c [u8], out: &mut Batch) -> Result<&'c [u8], Overflow> {
        while self.bom < BOM_DECIDED {
            let Some((&byte, after)) = rest.split_first() else {
                break;
            };
            // [spec] exactly one leading BOM is dropped.
            if byte == BOM[usize::from(self.bom)] {
                self.reserve(1)?;
                self.bom += 1;
                rest = after;
            } else {
                let matched = usize::from(self.bom);
                self.bom = BOM_DECIDED;
                // [spec] a BOM prefix followed by anything else is ordinary
                // input (EF BB 41 decodes as U+FFFD, 'A').
                self.continue_line(&BOM[..matched], false, out)?;
            }
        }
        Ok(rest)
    }

    /// Returns what follows the line ending that starts at `rest[end]`.
    fn skip_line_ending<'c>(&mut self, rest: &'c [u8], end: usize) -> &'c [u8] {
        // [spec] a line ends at CRLF, LF or CR.
        let (terminator, after) = match rest.get(end..) {
            Some([terminator, after @ ..]) => (*terminator, after),
            _ => return &[],
        };
        if terminator != b'\r' {
            return after;
        }
        match after.split_first() {
            Some((b'\n', after_lf)) => after_lf,
            Some(_) => after,
            None => {
                self.after_cr = true;
                after
            }
        }
    }

    /// A whole line: read in place from a chunk, or collected from several.
    // Inlined into the loop over the lines inside a chunk, the hot path.
    #[inline(always)]
    fn line(&mut self, line: &[u8], out: &mut Batch) -> Result<(), Overflow> {
        match split_line(line, true) {
            Split::Dispatch => {
                self.dispatch(out);
                Ok(())
            }
            Split::Field(field, value) => self.apply(field, value, out),
            Split::Ignore | Split::Undecided => Ok(()),
        }
    }

    /// [`line`](Self::line) for a line that spans chunks: one copy out of
    /// the hot path, so that the code stays small (it ships as wasm).
    #[inline(never)]
    fn collected_line(&mut self, line: &[u8], out: &mut Batch) -> Result<(), Overflow> {
        self.line(line, out)
    }

    /// Carries a line across a chunk boundary: `seg` is the part of the
    /// current line in this chunk, and `ends` says whether the line ends
    /// right after it.
    ///
    /// Only a `data:` value is streamed, since it can be as large as the
    /// event: it is decoded into the data buffer as it arrives. A comment or
    /// ignored field is skipped. Any other line is collected and, once it
    /// ends, read by [`line`](Self::line) like a line inside a chunk.
    fn continue_line(&mut self, seg: &[u8], ends: bool, out: &mut Batch) -> Result<(), Overflow> {
        match self.line {
            Line::Head { buf, len } => self.line_head(buf, usize::from(len), seg, ends, out),
            Line::Collect => {
                self.reserve(seg.len())?;
                self.pending.extend_from_slice(seg);
                if !ends {
                    return Ok(());
                }
                self.line = Line::START;
                let line = core::mem::take(&mut self.pending);
                let applied = self.collected_line(&line, out);
                self.pending = line;
                self.pending.clear();
                applied
            }
            Line::Data => {
                // Decoded as it arrives, so the limit sees the decoded size
                // chunk by chunk.
                self.reserve(seg.len())?;
                let (len, tail) = (self.data.len(), self.tail);
                self.tail.push(seg, &mut self.data, ends);
                if self.reserve(0).is_err() {
                    // Decoding can grow more than the chunk's bytes: a code
                    // point cut by the previous chunk may become U+FFFD. The
                    // chunk is taken back, so the limit is never exceeded by
                    // more than `feed` promises.
                    self.data.truncate(len);
                    self.tail = tail;
                    return Err(Overflow);
                }
                if !ends {
                    return Ok(());
                }
                self.line = Line::START;
                // The value went into the data buffer as it arrived: `apply`
                // gets its empty rest, and adds the rule's LF.
                self.apply(Field::Data, &[], out)
            }
            Line::Skip => {
                if ends {
                    self.line = Line::START;
                }
                Ok(())
            }
        }
    }

    /// Reads the start of a line that spans chunks until it tells what the
    /// line is (at most [`LINE_HEAD`] bytes: the `had` bytes of `buf` from
    /// earlier chunks, then the start of `seg`), then goes on with the rest
    /// of `seg` as that kind of line.
    fn line_head(
        &mut self,
        mut buf: [u8; LINE_HEAD],
        had: usize,
        seg: &[u8],
        ends: bool,
        out: &mut Batch,
    ) -> Result<(), Overflow> {
        let (start, rest) = seg.split_at(seg.len().min(LINE_HEAD - had));
        let len = had + start.len();
        buf[had..len].copy_from_slice(start);
        let head = &buf[..len];
        if ends && rest.is_empty() {
            // The whole line is here after all.
            self.line = Line::START;
            return self.collected_line(head, out);
        }
        match split_line(head, false) {
            Split::Undecided => {
                // Fewer than LINE_HEAD bytes so far, so `rest` is empty.
                self.reserve(start.len())?;
                self.line = Line::Head {
                    buf,
                    len: len as u8,
                };
                Ok(())
            }
            Split::Field(Field::Data, value) => {
                self.line = Line::Data;
                self.continue_line(value, false, out)?;
                self.continue_line(rest, ends, out)
            }
            Split::Field(..) => {
                self.reserve(start.len())?;
                self.pending.extend_from_slice(head);
                self.line = Line::Collect;
                self.continue_line(rest, ends, out)
            }
            // (Only a whole line can be a `Dispatch`.)
            Split::Ignore | Split::Dispatch => {
                self.line = Line::Skip;
                self.continue_line(rest, ends, out)
            }
        }
    }

    /// Processes one field with its value: the one place each field's rule
    /// is written. (A `data:` value that spans chunks is decoded into the
    /// data buffer as it arrives and comes here as the empty rest.)
    fn apply(&mut self, field: Field, value: &[u8], out: &mut Batch) -> Result<(), Overflow> {
        match field {
            Field::Data => {
                // [spec] data: append the value and an LF.
                self.reserve(value.len() + 1)?;
                push_lossy(value, &mut self.data);
                self.data.push('\n');
            }
            Field::Event => {
                // [spec] event: set the event type buffer.
                let room = self.room() + self.event_type.len();
                set_lossy(value, &mut self.event_type, room)?;
            }
            Field::Id => {
                // [spec] id: ignored if the value contains U+0000 (only the
                // byte 00 decodes to it); an empty value resets the buffer.
                if memchr(0, value).is_none() {
                    let room = self.room() + self.id_buffer.len();
                    set_lossy(value, &mut self.id_buffer, room)?;
                    self.id_changed = true;
                }
            }
            Field::Retry => {
                if let Some(ms) = parse_retry(value) {
                    out.retry = Some(ms);
                }
            }
        }
        self.reserve(0)
    }

    /// Dispatches the event at an empty line.
    fn dispatch(&mut self, out: &mut Batch) {
        // [spec] the last event id is set first, so a block with only an
        // `id:` updates it without firing anything.
        if self.id_changed {
            self.last_event_id.clone_from(&self.id_buffer);
            self.id_changed = false;
        }
        // [spec] empty data buffer: reset the buffers, fire nothing.
        if self.data.is_empty() {
            self.event_type.clear();
            return;
        }
        // [spec] strip one trailing LF.
        if self.data.ends_with('\n') {
            self.data.pop();
        }
        // Data goes first in the packed format so that an empty batch can
        // take the data buffer itself instead of a copy of it.
        if out.text.is_empty() {
            core::mem::swap(&mut out.text, &mut self.data);
        } else {
            out.text.push_str(&self.data);
            self.data.clear();
        }
        // [spec] the type is the event type buffer, or "message" if empty.
        let event_type = if self.event_type.is_empty() {
            "message"
        } else {
            &self.event_type
        };
        out.text.push('\r');
        out.text.push_str(event_type);
        out.text.push('\r');
        out.text.push_str(&self.last_event_id);
        out.text.push('\r');
        out.count += 1;
        // [spec] the data and type buffers are cleared; the id persists.
        self.event_type.clear();
    }
}

/// Empties a buffer, and gives its memory back if one unusually large event
/// grew it.
fn release<B: Buffer>(buf: &mut B) {
    if buf.capacity() > KEEP_CAPACITY {
        *buf = B::default();
    } else {
        buf.clear();
    }
}

/// The buffers [`release`] empties.
trait Buffer: Default {
    fn capacity(&self) -> usize;
    fn clear(&mut self);
}

impl Buffer for String {
    fn capacity(&self) -> usize {
        String::capacity(self)
    }

    fn clear(&mut self) {
        String::clear(self);
    }
}

impl Buffer for Vec<u8> {
    fn capacity(&self) -> usize {
        Vec::capacity(self)
    }

    fn clear(&mut self) {
        Vec::clear(self);
    }
}
