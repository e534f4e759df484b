//! Every option's rule: its JavaScript and Rust names, range, default and
//! the words of its error, as constants generated from `src/rules.json`
//! (by `build.rs`). The npm package's JavaScript checks are generated from
//! the same table, so the two front ends cannot disagree about what an
//! option accepts or how a refusal is worded.
//!
//! The numeric rules are [`Rule`]s. The few that are not numbers (a method
//! token, a host) are functions here, over the table's character sets.

use crate::http::Credentials;

/// One option's rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// The option's name in the JavaScript init dictionary, e.g.
    /// `retry.initialDelay`.
    pub js: &'static str,
    /// The Rust API's `Builder` method that sets it, e.g.
    /// `initial_delay`, or `""` where Rust has none.
    pub rust: &'static str,
    /// What a value must be: completes "option 'x' must be ...".
    pub expected: &'static str,
    /// Smallest value allowed (inclusive); `-inf` for none.
    pub min: f64,
    /// Largest value allowed (inclusive); `inf` for none.
    pub max: f64,
    /// Whether the value must be a whole number (or, with no maximum,
    /// infinity).
    pub integer: bool,
    /// The default, when it is a number; NaN otherwise.
    pub default: f64,
}

impl Rule {
    /// Whether `value` is allowed. NaN never is.
    pub fn allows(&self, value: f64) -> bool {
        value >= self.min
            && value <= self.max
            && (!self.integer || value.is_infinite() || value % 1.0 == 0.0)
    }
}

include!(concat!(env!("OUT_DIR"), "/options.rs"));

/// Whether `method` is a token (RFC 9110 § 5.6.2) that fetch allows.
pub fn is_method_token(method: &str) -> bool {
    !method.is_empty()
        && method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || METHOD_TOKEN_CHARACTERS.contains(&b))
        && !FORBIDDEN_METHODS
            .iter()
            .any(|m| method.eq_ignore_ascii_case(m))
}

/// Whether a request with `method` may carry a body.
pub fn allows_body(method: &str) -> bool {
    !METHODS_WITHOUT_BODY
        .iter()
        .any(|m| method.eq_ignore_ascii_case(m))
}

/// Whether a clean end of the response closes the source (`streamEnd:
/// "close"`) rather than reconnecting: `stream_end` when given (the
/// value's index in [`STREAM_END_VALUES`]: 0 `"reconnect"`, 1 `"close"`),
/// else by the method ([`allows_body`]), so that a request that can carry
/// a body (a POST: an LLM answer, whose end means done) is never sent again
/// after the stream ended, while GET keeps the standard's reconnection.
/// Both front ends decide here.
pub fn closes_on_end(stream_end: Option<usize>, method_allows_body: bool) -> bool {
    const CLOSES: bool = same(DEFAULT_STREAM_END, STREAM_END_VALUES[1]);
    const CLOSES_WITH_BODY: bool = same(DEFAULT_STREAM_END_WITH_BODY, STREAM_END_VALUES[1]);
    let default = if method_allows_body {
        CLOSES_WITH_BODY
    } else {
        CLOSES
    };
    stream_end.map_or(default, |given| given == 1)
}

/// Whether the request refuses redirects (`redirect: "error"`):
/// `redirect` when given (the value's index in [`REDIRECT_VALUES`]: 0
/// `"follow"`, 1 `"error"`), else when the request has custom headers,
/// which fetch would carry to the new address (it drops only
/// `Authorization`, and only across origins). Both front ends decide here.
pub fn refuses_redirects(redirect: Option<usize>, custom_headers: bool) -> bool {
    const REFUSES: bool = same(DEFAULT_REDIRECT, REDIRECT_VALUES[1]);
    const REFUSES_WITH_HEADERS: bool = same(DEFAULT_REDIRECT_WITH_HEADERS, REDIRECT_VALUES[1]);
    let default = if custom_headers {
        REFUSES_WITH_HEADERS
    } else {
        REFUSES
    };
    redirect.map_or(default, |given| given == 1)
}

/// Whether two strings are equal, at compile time (a default against an
/// option's value: the module then holds neither string).
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `id` can be a last event id: no NUL, CR or LF (no `id:` line
/// can set one, and it could not go out as a header).
pub fn is_event_id(id: &str) -> bool {
    !id.bytes().any(|b| matches!(b, 0 | b'\r' | b'\n'))
}

/// Whether `scheme` (without its colon, lowercase) is one of the URL
/// standard's special schemes, whose hosts [`is_valid_host`] checks.
pub fn is_special_scheme(scheme: &str) -> bool {
    SPECIAL_SCHEMES.contains(&scheme)
}

/// Whether `host`, the host of a URL with a special scheme as a browser's
/// URL parser serialized it, is valid under the URL standard's host parser:
/// once percent-decoded it must not contain a forbidden code point. IPv6
/// literals (`[...]`) are left to the browser. Some parsers (Chromium's)
/// accept such hosts by percent-encoding them; the standard says the URL is
/// invalid.
pub fn is_valid_host(host: &str) -> bool {
    host.starts_with('[')
        || !percent_encoding::percent_decode_str(host)
            .any(|b| FORBIDDEN_HOST_CODE_POINTS.contains(&b))
}

/// The request's credentials mode: `credentials` when given, else what the
/// standard's `withCredentials` means (`include` when true, otherwise
/// `same-origin`).
pub fn credentials_mode(with_credentials: bool, credentials: Option<Credentials>) -> Credentials {
    match credentials {
        Some(mode) => mode,
        // [spec] withCredentials true means credentials mode "include".
        None if with_credentials => Credentials::Include,
        None => Credentials::SameOrigin,
    }
}
