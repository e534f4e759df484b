//! Static files for the demo and benchmark pages (`--root`).
//!
//! Paths are percent-decoded and split into segments; any `..` segment,
//! backslash or NUL is refused before the file system is touched, so no
//! request can name a file outside its mount.

use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use hyper::{Method, Response, StatusCode};
use percent_encoding::percent_decode_str;

use crate::http::text;
use crate::stream::ServerBody;

/// A directory served under a URL prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    /// URL prefix, always starting and ending with `/`.
    pub prefix: String,
    /// The directory on disk.
    pub dir: PathBuf,
}

impl FromStr for Mount {
    type Err = String;

    /// `DIR` mounts DIR at `/`; `PREFIX=DIR` mounts DIR at `/PREFIX/`.
    fn from_str(spec: &str) -> Result<Mount, String> {
        let (prefix, dir) = match spec.split_once('=') {
            Some((prefix, dir)) => (prefix.trim_matches('/'), dir),
            None => ("", spec),
        };
        if dir.is_empty() {
            return Err(format!("--root {spec:?}: empty directory"));
        }
        let prefix = if prefix.is_empty() {
            "/".to_owned()
        } else {
            format!("/{prefix}/")
        };
        Ok(Mount {
            prefix,
            dir: PathBuf::from(dir),
        })
    }
}

/// The Content-Type for a file: mime_guess's guess, except for the types
/// this project's pages need and mime_guess has otherwise (`.mjs` as
/// `application/javascript`, `.map` as `text/plain`, `.ts` as a video
/// format). Text types name UTF-8.
pub(crate) fn content_type(file: &Path) -> HeaderValue {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let ty = match ext.as_deref() {
        Some("js" | "mjs") => "text/javascript",
        Some("map") => "application/json",
        Some("ts") => "application/typescript",
        _ => mime_guess::from_path(file)
            .first_raw()
            .unwrap_or("application/octet-stream"),
    };
    if ty.starts_with("text/") || ty == "application/typescript" {
        HeaderValue::try_from(format!("{ty}; charset=utf-8"))
            .unwrap_or(HeaderValue::from_static(ty))
    } else {
        HeaderValue::from_static(ty)
    }
}

/// Serves `path` from the mounts, or `None` when no mount covers it.
pub(crate) fn serve(mounts: &[Mount], method: &Method, path: &str) -> Option<Response<ServerBody>> {
    if method != Method::GET && method != Method::HEAD {
        return None;
    }
    let Ok(decoded) = percent_decode_str(path).decode_utf8() else {
        return Some(text(StatusCode::BAD_REQUEST, "path is not UTF-8"));
    };
    if decoded.contains(['\\', '\0']) || decoded.split('/').any(|seg| seg == "..") {
        return Some(text(
            StatusCode::FORBIDDEN,
            "path escapes the served directory",
        ));
    }
    // Longest prefix wins, so `/pkg/` beats `/`.
    let mount = mounts
        .iter()
        .filter(|m| decoded.starts_with(&m.prefix) || decoded == m.prefix.trim_end_matches('/'))
        .max_by_key(|m| m.prefix.len())?;
    if !decoded.starts_with(&mount.prefix) {
        // `/pkg` for mount `/pkg/`: relative URLs need the slash.
        return Some(redirect(&format!("{decoded}/")));
    }
    let rest = &decoded[mount.prefix.len()..];
    let mut file = mount.dir.clone();
    file.extend(rest.split('/').filter(|s| !s.is_empty() && *s != "."));
    if file.is_dir() {
        if !decoded.ends_with('/') {
            return Some(redirect(&format!("{decoded}/")));
        }
        file.push("index.html");
    }
    Some(match std::fs::read(&file) {
        Ok(data) => {
            let mut resp = Response::new(ServerBody::full(data));
            let headers = resp.headers_mut();
            headers.insert(CONTENT_TYPE, content_type(&file));
            // Rebuilt pkg/ files must be picked up without a hard reload.
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            resp
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            text(StatusCode::FORBIDDEN, "permission denied")
        }
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("reading {}: {e}", file.display()),
        ),
    })
}

fn redirect(to: &str) -> Response<ServerBody> {
    let mut resp = text(StatusCode::MOVED_PERMANENTLY, "");
    if let Ok(v) = HeaderValue::from_str(to) {
        resp.headers_mut().insert(LOCATION, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_specs() {
        let m: Mount = "www".parse().expect("plain dir");
        assert_eq!((m.prefix.as_str(), m.dir.to_str()), ("/", Some("www")));
        let m: Mount = "pkg=pkg".parse().expect("prefixed");
        assert_eq!((m.prefix.as_str(), m.dir.to_str()), ("/pkg/", Some("pkg")));
        let m: Mount = "/a/b/=x".parse().expect("slashes trimmed");
        assert_eq!(m.prefix, "/a/b/");
        assert!("pkg=".parse::<Mount>().is_err());
    }

    #[test]
    fn content_types() {
        for (name, ty) in [
            ("a.html", "text/html; charset=utf-8"),
            ("a.js", "text/javascript; charset=utf-8"),
            ("a.MJS", "text/javascript; charset=utf-8"),
            ("a_bg.wasm", "application/wasm"),
            ("a.css", "text/css; charset=utf-8"),
            ("package.json", "application/json"),
            ("a.js.map", "application/json"),
            ("a.png", "image/png"),
            ("a.svg", "image/svg+xml"),
            ("favicon.ico", "image/x-icon"),
            ("a.d.ts", "application/typescript; charset=utf-8"),
            ("a.ts", "application/typescript; charset=utf-8"),
            ("LICENSE", "application/octet-stream"),
        ] {
            assert_eq!(content_type(Path::new(name)), ty, "{name}");
        }
    }
}
