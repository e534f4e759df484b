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
/// "close"`) rather than reconnecting: `stream_end` when given (`"close"`
/// or `"reconnect"`), else by the method, so that a request that can carry
/// a body (a POST: an LLM answer, whose end means done) is never sent again
/// after the stream ended, while GET keeps the standard's reconnection.
pub fn closes_on_end(stream_end: Option<&str>, method: &str) -> bool {
    let chosen = stream_end.unwrap_or(if allows_body(method) {
        DEFAULT_STREAM_END_WITH_BODY
    } else {
        DEFAULT_STREAM_END
    });
    chosen == STREAM_END_VALUES[1]
}

/// Whether the request refuses redirects (`redirect: "error"`):
/// `redirect` when given (`"follow"` or `"error"`), else when the request
/// has custom headers, which fetch would carry to the new address (it drops
/// only `Authorization`, and only across origins).
pub fn refuses_redirects(redirect: Option<&str>, custom_headers: bool) -> bool {
    let chosen = redirect.unwrap_or(if custom_headers {
        DEFAULT_REDIRECT_WITH_HEADERS
    } else {
        DEFAULT_REDIRECT
    });
    chosen == REDIRECT_VALUES[1]
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
