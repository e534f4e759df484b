//! What the machine needs to know about requests and responses, decided
//! here once for every driver: which URLs fetch can load, what a
//! `Content-Type` and a `Retry-After` header mean, whether a request is
//! cross-origin, the credentials mode, and how a `Last-Event-ID` value must
//! be written for the network stack to send the id's UTF-8 bytes.
//!
//! Everything here works on bytes and builds its text by hand: this module
//! is part of the npm package's WebAssembly, which carries no `core::fmt`.

use alloc::string::String;

use crate::parser::decimal;

/// The request's credentials mode (whether cookies and HTTP authentication
/// are sent): fetch's `RequestInit.credentials`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Credentials {
    /// Never.
    Omit,
    /// To the page's own origin only (the standard's default).
    SameOrigin,
    /// Cross-origin too (what `withCredentials` means).
    Include,
}

impl Credentials {
    /// fetch's word for the mode: `"omit"`, `"same-origin"` or `"include"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Credentials::Omit => "omit",
            Credentials::SameOrigin => "same-origin",
            Credentials::Include => "include",
        }
    }

    /// The mode fetch calls `name`, if any.
    pub fn from_name(name: &str) -> Option<Credentials> {
        [
            Credentials::Omit,
            Credentials::SameOrigin,
            Credentials::Include,
        ]
        .into_iter()
        .find(|c| c.as_str() == name)
    }
}

/// The `Accept` value of every request, unless the app sets its own.
pub const ACCEPT: &str = "text/event-stream";

pub use crate::options::STREAM_URL;

/// The origin of a URL whose origin is opaque.
pub const OPAQUE_ORIGIN: &str = "null";

/// The longest delay a timer can wait (`setTimeout` clamps to a signed
/// 32-bit number of milliseconds; longer values fire at once).
pub const MAX_DELAY: f64 = 2_147_483_647.0;

/// How a network stack puts a header value on the wire. `fetch` takes
/// header values as byte strings (each character up to U+00FF stands for
/// one byte), but not every stack sends them that way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderEncoding {
    /// Each character is one byte (Chromium, Firefox, Apple's WebKit, Node,
    /// Deno, Bun): a value whose characters are an id's UTF-8 bytes sends
    /// those bytes.
    Bytes,
    /// Each character is UTF-8 encoded (WebKitGTK and WPE, on libsoup): the
    /// id itself sends its bytes when every character is up to U+00FF, and
    /// no value can send a character beyond that.
    Utf8,
}

impl HeaderEncoding {
    /// The encoding of the engine a `navigator.userAgent` names: WebKit
    /// outside Apple's platforms is libsoup's. (Chromium-based browsers also
    /// say "AppleWebKit", and name Chrome.)
    pub fn for_user_agent(user_agent: &str) -> HeaderEncoding {
        let has = |needle: &str| contains(user_agent.as_bytes(), needle.as_bytes());
        let libsoup = has("AppleWebKit")
            && !["Chrome/", "Chromium/", "Macintosh", "iPhone", "iPad"]
                .iter()
                .any(|s| has(s));
        if libsoup {
            HeaderEncoding::Utf8
        } else {
            HeaderEncoding::Bytes
        }
    }

    /// The `Last-Event-ID` value that makes this network stack send the
    /// UTF-8 bytes of `id`, or `None` where no value can (then only the
    /// query parameter option carries it).
    pub fn last_event_id_header(self, id: &str) -> Option<String> {
        match self {
            // Each UTF-8 byte as the character of that number.
            HeaderEncoding::Bytes => Some(id.bytes().map(char::from).collect()),
            // A character up to U+00FF is one byte, or two starting with
            // C2 or C3; any greater one starts with a byte from C4 on.
            HeaderEncoding::Utf8 => id.bytes().all(|b| b < 0xC4).then(|| String::from(id)),
        }
    }
}

/// Whether `haystack` contains `needle` (byte windows: `str::contains`
/// would link its searcher's formatting panic path into the WebAssembly).
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// HTTP whitespace around a header value.
fn trim(value: &[u8]) -> &[u8] {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = value
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |i| i + 1);
    &value[start..end]
}

/// A URL's scheme (before its first colon) and the rest after the colon.
fn split_scheme(url: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = url.iter().position(|&b| b == b':')?;
    Some((&url[..colon], &url[colon + 1..]))
}

/// Whether fetch can load a URL with this scheme (`http:`, `https:`, and
/// `blob:`/`data:` where fetch allows them). ASCII case-insensitive.
pub fn fetchable_scheme(url: &str) -> bool {
    split_scheme(url.as_bytes()).is_some_and(|(s, _)| {
        [&b"http"[..], b"https", b"blob", b"data"]
            .iter()
            .any(|f| s.eq_ignore_ascii_case(f))
    })
}

/// Whether a `Content-Type` value's MIME type essence is `text/event-stream`
/// (parameters ignored, ASCII case-insensitive, surrounding HTTP whitespace
/// trimmed; of several comma-joined values the last one counts, as in
/// Fetch's "extract a MIME type").
pub fn is_event_stream(content_type: &str) -> bool {
    let bytes = content_type.as_bytes();
    let last = bytes.rsplit(|&b| b == b',').next().unwrap_or_default();
    let essence = last.split(|&b| b == b';').next().unwrap_or_default();
    trim(essence).eq_ignore_ascii_case(ACCEPT.as_bytes())
}

/// Whether a request from a page of origin `page_origin` to `url` (as a
/// URL parser serialized it) is cross-origin, so that CORS may refuse it.
/// A same-origin URL starts with the page's origin and then its path, query
/// or fragment; anything else (another origin, or userinfo, which fetch
/// refuses before any request) counts as cross-origin. An opaque page origin
/// (`"null"`), or none (a server runtime), is never refused by CORS in a way
/// a probe could tell.
pub fn is_cross_origin(page_origin: Option<&str>, url: &str) -> bool {
    match page_origin {
        Some(page) if page != OPAQUE_ORIGIN => {
            let rest = url.as_bytes().strip_prefix(page.as_bytes());
            !matches!(rest, Some([] | [b'/' | b'?' | b'#', ..]))
        }
        _ => false,
    }
}

/// Parse a `Retry-After` value into the delay it asks for, in ms:
/// delay-seconds, or an HTTP-date in any of the three forms RFC 9110
/// § 5.6.7 says a recipient must accept (IMF-fixdate, RFC 850, asctime),
/// measured from `wall_now` (ms since the Unix epoch). A date in the past,
/// or a value that parses as neither, asks for nothing: `None`.
pub fn parse_retry_after(value: &str, wall_now: f64) -> Option<f64> {
    let value = trim(value.as_bytes());
    // Integer arithmetic: saturates instead of overflowing on long values.
    if let Some(secs) = decimal(value) {
        return Some((secs as f64 * 1000.0).min(MAX_DELAY));
    }
    let at = parse_http_date(value, wall_now)?;
    (at > wall_now).then(|| (at - wall_now).min(MAX_DELAY))
}

/// Three-letter day and month names, and the long day names of RFC 850.
const DAYS: &[u8; 21] = b"MonTueWedThuFriSatSun";
const MONTHS: &[u8; 36] = b"JanFebMarAprMayJunJulAugSepOctNovDec";
const LONG_DAYS: [&[u8]; 7] = [
    b"Monday",
    b"Tuesday",
    b"Wednesday",
    b"Thursday",
    b"Friday",
    b"Saturday",
    b"Sunday",
];

/// The number that ASCII digits spell (a leading space counts as 0).
fn number(digits: &[u8]) -> Option<i32> {
    digits.iter().try_fold(0, |n: i32, &b| match b {
        b'0'..=b'9' => Some(n * 10 + i32::from(b - b'0')),
        b' ' if n == 0 => Some(0),
        _ => None,
    })
}

/// The index of a three-letter name in `names`.
fn name(names: &[u8], of: &[u8]) -> Option<i32> {
    names.chunks(3).position(|n| n == of).map(|i| i as i32)
}

/// An HTTP-date (RFC 9110 § 5.6.7) → ms since the Unix epoch; `wall_now`
/// places an RFC 850 two-digit year.
///
/// The three forms have fixed lengths once the day name is read, so each
/// field is read at its offset; the separators between them must match.
/// Written here rather than taken from a crate: `httpdate`, the usual one,
/// added 4.6 KB gzipped to the WebAssembly module (its `SystemTime` path
/// pulls in `core::fmt`), for a header few streams send.
fn parse_http_date(value: &[u8], wall_now: f64) -> Option<f64> {
    // (rest after the day name, separators, offsets of day, month, year, time)
    let comma = value.iter().position(|&b| b == b',');
    let (rest, shape) = match comma {
        // IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
        Some(3) => (&value[3..], &b", __ ___ ____ __:__:__ GMT"[..]),
        // RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`.
        Some(at) if LONG_DAYS.contains(&&value[..at]) => {
            (&value[at..], &b", __-___-__ __:__:__ GMT"[..])
        }
        Some(_) => return None,
        // asctime: `Sun Nov  6 08:49:37 1994`.
        None => (value.get(3..)?, &b" ___ __ __:__:__ ____"[..]),
    };
    if rest.len() != shape.len() || rest.iter().zip(shape).any(|(&c, &s)| s != b'_' && c != s) {
        return None;
    }
    if comma != Some(3) && comma.is_some() {
        // RFC 850's long day name was checked above.
    } else {
        name(DAYS, &value[..3])?;
    }
    let field = |at: usize, len: usize| number(&rest[at..at + len]);
    let (day, month, mut year, time) = match (comma, rest.len()) {
        (Some(3), _) => (field(2, 2)?, name(MONTHS, &rest[5..8])?, field(9, 4)?, 14),
        (Some(_), _) => (field(2, 2)?, name(MONTHS, &rest[5..8])?, field(9, 2)?, 12),
        (None, _) => (field(5, 2)?, name(MONTHS, &rest[1..4])?, field(17, 4)?, 8),
    };
    // Only the asctime day may start with a space.
    if comma.is_some() && rest[2] == b' ' || rest[time] == b' ' {
        return None;
    }
    let (h, m, sec) = (field(time, 2)?, field(time + 3, 2)?, field(time + 6, 2)?);
    if comma.is_some_and(|c| c != 3) {
        // A two-digit year more than 50 years ahead is the most recent past
        // one with those digits.
        let this_year = 1970 + (wall_now / 31_556_952_000.0) as i32;
        year += this_year - this_year % 100;
        if year > this_year + 50 {
            year -= 100;
        }
    }
    if !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    // Days from civil (proleptic Gregorian), after Howard Hinnant's
    // algorithm; years have at most four digits, so i32 holds them.
    let month = month + 1;
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((f64::from(days) * 86_400.0 + f64::from(h * 3600 + m * 60 + sec)) * 1000.0)
}
