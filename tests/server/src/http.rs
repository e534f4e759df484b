//! Small HTTP helpers shared by the handlers: canned responses, query
//! parsing, request bodies and CORS.

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{
    HeaderMap, HeaderValue, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS,
    ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD,
    CONTENT_TYPE, ORIGIN, VARY,
};
use hyper::{Method, Response, StatusCode};

use crate::script::Cors;
use crate::stream::ServerBody;

/// Request bodies larger than this are refused; tests post small scripts,
/// benchmark pages post small JSON reports.
const MAX_REQUEST_BODY: usize = 64 << 20;

/// A plain-text response.
pub(crate) fn text(status: StatusCode, msg: &str) -> Response<ServerBody> {
    let mut resp = Response::new(ServerBody::full(format!("{msg}\n")));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

/// A JSON response from already-serialized bytes.
pub(crate) fn json(status: StatusCode, body: impl Into<Bytes>) -> Response<ServerBody> {
    let mut resp = Response::new(ServerBody::full(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// Reads a whole request body, or answers 413 when it is too large or 400
/// when the client broke off.
pub(crate) async fn read_body(body: Incoming) -> Result<Bytes, Response<ServerBody>> {
    match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(text(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body too large",
        )),
        Err(e) => Err(text(
            StatusCode::BAD_REQUEST,
            &format!("reading request body: {e}"),
        )),
    }
}

/// The decoded value of query parameter `key` (form encoding: `+` is a
/// space), if present.
pub(crate) fn query_param(query: Option<&str>, key: &str) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// A numeric query parameter; absent or malformed falls back to `default`.
pub(crate) fn query_num<T: std::str::FromStr>(query: Option<&str>, key: &str, default: T) -> T {
    query_param(query, key)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Whether a request is a CORS preflight rather than a plain OPTIONS.
pub(crate) fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
    method == Method::OPTIONS && headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
}

/// Adds the CORS response headers for `mode`. Expose-Headers lists `*` plus
/// every header already on the response: `*` only works for requests
/// without credentials, the explicit names work for both.
pub(crate) fn apply_cors(headers: &mut HeaderMap, mode: Cors, request: &HeaderMap) {
    match mode {
        Cors::None => return,
        Cors::Anonymous => {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        }
        Cors::Credentials => {
            // A credentialed response must name the origin; without an
            // Origin header (same-origin) there is nothing to allow.
            if let Some(origin) = request.get(ORIGIN) {
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
                headers.insert(
                    ACCESS_CONTROL_ALLOW_CREDENTIALS,
                    HeaderValue::from_static("true"),
                );
            }
            headers.append(VARY, HeaderValue::from_static("Origin"));
        }
    }
    let mut expose = String::from("*");
    // keys() yields each name once, however many values it has.
    let names = headers
        .keys()
        .filter(|n| !n.as_str().starts_with("access-control-"));
    for name in names {
        expose.push_str(", ");
        expose.push_str(name.as_str());
    }
    if let Ok(v) = HeaderValue::from_str(&expose) {
        headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, v);
    }
}

/// The 204 answer to a preflight: every method and every requested header
/// allowed, and `Max-Age: 0` so each test's preflight really reaches us.
pub(crate) fn preflight(mode: Cors, request: &HeaderMap) -> Response<ServerBody> {
    let mut resp = Response::new(ServerBody::empty());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    if mode == Cors::None {
        return resp;
    }
    let headers = resp.headers_mut();
    // `*` is not a wildcard for credentialed requests, so name the method
    // asked for as well as the usual ones.
    const USUAL: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    let mut methods = USUAL.join(", ");
    if let Some(m) = request
        .get(ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|v| v.to_str().ok())
        .filter(|m| !USUAL.contains(m))
    {
        methods = format!("{m}, {methods}");
    }
    if let Ok(v) = HeaderValue::from_str(&methods) {
        headers.insert(ACCESS_CONTROL_ALLOW_METHODS, v);
    }
    if let Some(v) = request.get(ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, v.clone());
    }
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("0"));
    apply_cors(headers, mode, request);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parsing() {
        let q = Some("n=5&type=a%20b&x&p=a+b&bad=%zz");
        assert_eq!(query_param(q, "n").as_deref(), Some("5"));
        assert_eq!(query_param(q, "type").as_deref(), Some("a b"));
        assert_eq!(query_param(q, "x").as_deref(), Some(""));
        assert_eq!(query_param(q, "p").as_deref(), Some("a b"));
        assert_eq!(query_param(q, "bad").as_deref(), Some("%zz"));
        assert_eq!(query_param(q, "missing"), None);
        assert_eq!(query_num(q, "n", 0u32), 5);
        assert_eq!(query_num(q, "type", 7u32), 7);
    }
}
