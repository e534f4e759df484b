//! The binary's contract with test harnesses: one `listening on` line on
//! stdout, then serving; exit when stdin closes with `--exit-on-stdin-eof`.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[tokio::test]
async fn prints_the_port_and_exits_when_stdin_closes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sse-test-server"))
        .arg("--exit-on-stdin-eof")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the server");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read stdout");
    let addr = line
        .strip_prefix("listening on http://")
        .and_then(|rest| rest.trim_end().parse::<SocketAddr>().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    assert_eq!(addr.ip().to_string(), "127.0.0.1");

    let resp = common::get(addr, "/_requests/nothing").await;
    assert_eq!(resp.head.status, 200);
    assert_eq!(resp.text(), "[]");

    // The server's stdout reaches its end when the server exits.
    let (exited, exit) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = stdout.read_to_end(&mut Vec::new());
        let _ = exited.send(());
    });
    drop(child.stdin.take());
    if exit.recv_timeout(Duration::from_secs(10)).is_err() {
        let _ = child.kill();
        panic!("server still running 10 s after stdin closed");
    }
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status}");
}

#[test]
fn rejects_unknown_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_sse-test-server"))
        .arg("--nope")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--nope"));
}
