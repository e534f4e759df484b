//! The binary's contract with test harnesses: one `listening on` line on
//! stdout, then serving; exit when stdin closes with `--exit-on-stdin-eof`.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::test]
async fn prints_the_port_and_exits_when_stdin_closes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sse-test-server"))
        .arg("--exit-on-stdin-eof")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read stdout");
    let addr = line
        .strip_prefix("listening on http://")
        .and_then(|rest| rest.trim_end().parse::<SocketAddr>().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    assert_eq!(addr.ip().to_string(), "127.0.0.1");

    let resp = common::get(addr, "/_requests/nothing").await;
    assert_eq!(resp.head.status, 200);
    assert_eq!(resp.text(), "[]");

    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "{status}");
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("server still running after stdin closed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
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
