//! The `text/event-stream` parser: bytes in, events out.
//!
//! This module owns every rule of the standard's
//! [parsing an event stream](https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream)
//! and [interpreting an event stream](https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)
//! sections: one leading BOM dropped, line splitting at CRLF, LF or CR,
//! fields, comments, the data, event type and last-event-id buffers, and
//! dispatch. It is sans-IO: the caller hands it the body's chunks as they
//! arrive ([`EventParser::feed`]) and gets the completed events back in a
//! [`Batch`]. It knows nothing about fetch, timers or JavaScript; `retry:`
//! values are reported, not acted on.
//!
//! It works on bytes and leaves UTF-8 decoding to whoever reads the events
//! (in JavaScript `TextDecoder`, which is native code; in Rust
//! [`String::from_utf8_lossy`]). That gives exactly the standard's result,
//! which decodes the whole stream first: every byte the rules look at (CR,
//! LF, colon, space, the field names) is ASCII, and a UTF-8 decoder never
//! takes an ASCII byte into an invalid sequence, so splitting the bytes
//! first and decoding each value afterwards replaces the same sequences with
//! U+FFFD. The one value that is decoded here is the last event id, which
//! the parser hands out as text (it goes out as a request header).
//!
//! Chunk boundaries never change the result: a code point, a CRLF pair or a
//! BOM split across chunks is handled exactly as if the whole stream had
//! arrived at once.
//!
//! ```
//! use wasm_eventsource::parser::{Batch, Event, EventParser, Feed};
//!
//! let mut parser = EventParser::new();
//! let mut batch = Batch::new();
//! assert_eq!(parser.feed(b"id: 1\nevent: greet\ndata: hel", &mut batch), Feed::Ok);
//! assert!(batch.is_empty());
//! assert_eq!(parser.feed(b"lo\n\n: comment\n", &mut batch), Feed::Ok);
//! let greet = Event { event_type: "greet".into(), data: "hello".into(), last_event_id: "1".into() };
//! assert_eq!(batch.iter().collect::<Vec<_>>(), [greet]);
//! assert_eq!(batch.packed(), b"hello\rgreet\r1\r");
//! batch.clear();
//! parser.finish();
//! assert_eq!(parser.last_event_id(), "1");
//! ```
//!
//! # Output
//!
//! A [`Batch`] carries all events completed by one or more feeds as one
//! byte string, so they can cross to JavaScript at once: for each event,
//! `data`, `\r`, event type, `\r`, last event id, `\r`. None of the three can
//! contain a CR (a CR always ends a line), so JavaScript decodes the whole
//! batch once and splits it with `split('\r')`. [`Batch::iter`] reads it on
//! the Rust side.
//!
//! # Memory and limits
//!
//! The parser holds only what is not yet complete: the data and event type
//! buffers, the last-event-id buffer, and the part of the current line it
//! still needs (at most the first seven bytes of a line, until they tell
//! which field it is, and an `event`, `id` or `retry` line that spans
//! chunks). A `data:` value goes straight into the data buffer as it arrives
//! and a comment or unknown field is skipped without being stored, so a large
//! event costs about its own size (plus the buffer's doubling headroom) and
//! is copied once, from the input into the data buffer; at dispatch that
//! buffer is moved, not copied, into the batch when the batch is empty.
//!
//! The total held is capped by [`EventParser::max_buffer_size`], by default
//! [`DEFAULT_MAX_BUFFER_SIZE`] (64 MiB). A feed that would go beyond it stops
//! before storing the bytes that would and returns [`Feed::Overflow`]; the
//! caller is expected to fail the connection.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

/// Where the next CR or LF is. Natively `memchr2` (SIMD); in the npm
/// package's WebAssembly, which has no SIMD, a plain loop is as fast and
/// 0.2 KB smaller.
#[cfg(not(target_arch = "wasm32"))]
fn line_end(bytes: &[u8]) -> Option<usize> {
    memchr::memchr2(b'\r', b'\n', bytes)
}

#[cfg(target_arch = "wasm32")]
fn line_end(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\r' || b == b'\n')
}

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
/// single byte string.
///
/// Reuse one batch for a whole stream and [`clear`](Batch::clear) it after
/// each chunk has been handed on: its buffer is recycled, so a steady stream
/// does not allocate.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    text: Vec<u8>,
    count: usize,
    retry: Option<u64>,
}

/// One event of a [`Batch`], decoded from UTF-8 (invalid sequences become
/// U+FFFD); borrowed from the batch where it was valid already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<'a> {
    /// The event type: the `event:` field's value, or `"message"` when the
    /// block had none (or an empty one).
    pub event_type: Cow<'a, str>,
    /// The `data:` lines joined with LF.
    pub data: Cow<'a, str>,
    /// The source's last event id when the event was dispatched.
    pub last_event_id: Cow<'a, str>,
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

    /// All events as one byte string, not yet decoded: for each event,
    /// `data`, `\r`, event type, `\r`, last event id, `\r`. Decode it as
    /// UTF-8, split it at `\r` and take the parts three at a time; the
    /// final empty part after the last `\r` is not an event.
    pub fn packed(&self) -> &[u8] {
        &self.text
    }

    /// The events in the order they were dispatched, decoded.
    pub fn iter(&self) -> impl Iterator<Item = Event<'_>> {
        let mut parts = self.text.split(|&b| b == b'\r');
        (0..self.count).map_while(move |_| {
            Some(Event {
                data: String::from_utf8_lossy(parts.next()?),
                event_type: String::from_utf8_lossy(parts.next()?),
                last_event_id: String::from_utf8_lossy(parts.next()?),
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

/// Position of the colon that ends a line's field name. Only names the
/// parser acts on matter, so the search stops after the longest of them: a
/// colon found later belongs to an unknown field.
fn find_colon(line: &[u8]) -> Option<usize> {
    line.iter()
        .take(MAX_FIELD_NAME + 1)
        .position(|&b| b == b':')
}

/// Decodes `bytes` as UTF-8 onto `out`, each maximal invalid subpart
/// replaced by U+FFFD, as the WHATWG decoder (and `String::from_utf8_lossy`)
/// does; written over `from_utf8`, the one validator the WebAssembly links.
fn push_lossy(mut bytes: &[u8], out: &mut String) {
    loop {
        match core::str::from_utf8(bytes) {
            Ok(text) => return out.push_str(text),
            Err(e) => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                out.push_str(core::str::from_utf8(valid).unwrap_or_default());
                // A one-character str, not a char: `String::push` would
                // link its encoder into the module for this one call.
                #[allow(clippy::single_char_add_str)]
                out.push_str("\u{FFFD}");
                match e.error_len() {
                    Some(bad) => bytes = &rest[bad..],
                    // A sequence cut off by the end: one U+FFFD for it.
                    None => return,
                }
            }
        }
    }
}

/// Replaces `out` with `value`, unless that would hold more than `room`
/// bytes (then `out` is unchanged).
fn set_bytes(value: &[u8], out: &mut Vec<u8>, room: usize) -> Result<(), Overflow> {
    if value.len() > room {
        return Err(Overflow);
    }
    out.clear();
    out.extend_from_slice(value);
    Ok(())
}

/// The reconnection time a `retry:` value sets, if any.
fn parse_retry(value: &[u8]) -> Option<u64> {
    // [spec] only ASCII digits, read as a base-ten integer; an empty value is
    // ignored too. Huge values saturate instead of being dropped.
    decimal(value)
}

/// The number that one or more ASCII digits spell, saturating at
/// `u64::MAX`; `None` for anything else (empty, a sign, a space). The one
/// reader of `retry:` and of `Retry-After`'s delay-seconds.
pub(crate) fn decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0u64, |n, &digit| {
        let digit = u64::from(digit - b'0');
        // `n × 10 + digit`, saturating: tested before it is computed, since
        // `saturating_mul` on a u64 links a 128-bit multiply into the
        // WebAssembly.
        if n > (u64::MAX - digit) / 10 {
            u64::MAX
        } else {
            n * 10 + digit
        }
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
    data: Vec<u8>,
    event_type: Vec<u8>,
    id_buffer: Vec<u8>,
    /// The source's last event id, decoded from `id_buffer` at each dispatch.
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
            data: Vec::new(),
            event_type: Vec::new(),
            id_buffer: Vec::new(),
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
        if id.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
            return;
        }
        self.id_buffer.clear();
        self.id_buffer.extend_from_slice(id.as_bytes());
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
    /// [`Feed::Overflow`], the bytes that would have gone beyond the limit
    /// were not stored, and every later feed returns `Overflow` without
    /// reading its chunk until [`reset`](EventParser::reset).
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
        self.overflowed = false;
        release(&mut self.pending);
        release(&mut self.data);
        release(&mut self.event_type);
        if self.id_changed {
            self.id_buffer.clear();
            self.id_buffer
                .extend_from_slice(self.last_event_id.as_bytes());
            self.id_changed = false;
        }
    }

    /// Bytes held for input that does not form a complete event yet: the
    /// unfinished line (including a partial BOM) plus the data
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
        bom + head + self.pending.len() + self.data.len() + self.event_type.len()
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
            let Some(end) = line_end(rest) else {
                return self.continue_line(rest, false, out);
            };
            self.continue_line(&rest[..end], true, out)?;
            rest = self.skip_line_ending(rest, end);
        }
        // Lines that lie entirely in this chunk are read in place.
        while let Some(end) = line_end(rest) {
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
                self.reserve(seg.len())?;
                self.data.extend_from_slice(seg);
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
                self.data.extend_from_slice(value);
                self.data.push(b'\n');
            }
            Field::Event => {
                // [spec] event: set the event type buffer.
                let room = self.room() + self.event_type.len();
                set_bytes(value, &mut self.event_type, room)?;
            }
            Field::Id => {
                // [spec] id: ignored if the value contains U+0000 (only the
                // byte 00 decodes to it); an empty value resets the buffer.
                if value.iter().all(|&b| b != 0) {
                    let room = self.room() + self.id_buffer.len();
                    // The id is the one value decoded here (it goes out as
                    // text), so the limit counts it decoded: invalid bytes
                    // become U+FFFD, three bytes each.
                    if core::str::from_utf8(value).is_ok() {
                        set_bytes(value, &mut self.id_buffer, room)?;
                    } else {
                        let mut decoded = String::new();
                        push_lossy(value, &mut decoded);
                        set_bytes(decoded.as_bytes(), &mut self.id_buffer, room)?;
                    }
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
            // [spec] The stream is UTF-8 decoded: invalid sequences in the
            // id become U+FFFD.
            // (The buffer holds decoded text: see `apply`.)
            self.last_event_id.clear();
            push_lossy(&self.id_buffer, &mut self.last_event_id);
            self.id_changed = false;
        }
        // [spec] empty data buffer: reset the buffers, fire nothing.
        if self.data.is_empty() {
            self.event_type.clear();
            return;
        }
        // [spec] strip one trailing LF.
        if self.data.last() == Some(&b'\n') {
            self.data.pop();
        }
        // Data goes first in the packed format so that an empty batch can
        // take the data buffer itself instead of a copy of it.
        if out.text.is_empty() {
            core::mem::swap(&mut out.text, &mut self.data);
        } else {
            out.text.extend_from_slice(&self.data);
            self.data.clear();
        }
        // [spec] the type is the event type buffer, or "message" if empty.
        let event_type: &[u8] = if self.event_type.is_empty() {
            b"message"
        } else {
            &self.event_type
        };
        out.text.push(b'\r');
        out.text.extend_from_slice(event_type);
        out.text.push(b'\r');
        out.text.extend_from_slice(self.last_event_id.as_bytes());
        out.text.push(b'\r');
        out.count += 1;
        // [spec] the data and type buffers are cleared; the id persists.
        self.event_type.clear();
    }
}

/// Empties a buffer, and gives its memory back if one unusually large event
/// grew it.
fn release(buf: &mut Vec<u8>) {
    if buf.capacity() > KEEP_CAPACITY {
        *buf = Vec::new();
    } else {
        buf.clear();
    }
}
