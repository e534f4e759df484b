//! End-to-end tests of the server over raw TCP: scripted responses, attempt
//! sequencing, recording, how streams end, CORS, benchmarks, results, static
//! files and the demo switch.

mod common;

use std::time::{Duration, Instant};

use common::{fetch, get, post, request, script, start, Chunk, Conn};
use serde_json::{json, Value};

#[tokio::test]
async fn attempts_follow_the_script_then_repeat_the_last() {
    let addr = start(&[]).await;
    script(
        addr,
        "seq",
        r#"{"responses":[{"body":[{"data":"data: zero\n\n"}]},
                         {"status":204},
                         {"body":[{"data":"data: two\n\n"}]}]}"#,
    )
    .await;
    let first = get(addr, "/sse/seq").await;
    assert_eq!(first.head.status, 200);
    assert_eq!(
        first.head.get("content-type").as_deref(),
        Some("text/event-stream")
    );
    assert_eq!(first.text(), "data: zero\n\n");
    assert!(first.complete);
    // Any method, any query string counts as the next attempt.
    assert_eq!(
        fetch(addr, "POST", "/sse/seq?x=1", &[], b"hi")
            .await
            .head
            .status,
        204
    );
    for _ in 0..2 {
        assert_eq!(get(addr, "/sse/seq").await.text(), "data: two\n\n");
    }

    script(
        addr,
        "seq",
        r#"{"responses":[{"status":500},{"status":204}]}"#,
    )
    .await;
    assert_eq!(
        get(addr, "/sse/seq").await.head.status,
        500,
        "re-post resets"
    );
    script(addr, "empty", r#"{"responses":[]}"#).await;
    assert_eq!(get(addr, "/sse/empty").await.head.status, 404);
    assert_eq!(get(addr, "/sse/unscripted").await.head.status, 404);
    let recorded = get(addr, "/_requests/unscripted").await.json();
    assert_eq!(recorded.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn requests_are_recorded_with_raw_header_bytes() {
    let addr = start(&[]).await;
    script(addr, "rec", r#"{"responses":[{}]}"#).await;
    let id = "caf\u{e9} \u{1F600}".as_bytes();
    fetch(
        addr,
        "POST",
        "/sse/rec?a=1&b=%20",
        &[
            ("Last-Event-ID", id),
            ("X-Custom", b"one"),
            ("x-custom", b"two"),
        ],
        b"body \xFF",
    )
    .await;
    get(addr, "/sse/rec").await;

    let list = get(addr, "/_requests/rec").await.json();
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 2);
    let r = &list[0];
    assert_eq!(r["method"], "POST");
    assert_eq!(r["path"], "/sse/rec?a=1&b=%20");
    assert_eq!(r["preflight"], false);
    assert_eq!(r["headers"]["x-custom"], "one, two");
    assert_eq!(r["headers"]["last-event-id"], "caf\u{e9} \u{1F600}");
    assert_eq!(r["headers_raw"]["last-event-id"], json!(id));
    assert_eq!(r["headers_raw"]["x-custom"], json!(b"one, two"));
    assert_eq!(r["body"], "body \u{FFFD}");
    assert_eq!(r["body_b64"], "Ym9keSD/");
    assert_eq!(list[1]["method"], "GET");
    assert_eq!(list[1]["body_b64"], "");
    let (t0, t1) = (r["time_ms"].as_f64(), list[1]["time_ms"].as_f64());
    assert!(matches!((t0, t1), (Some(a), Some(b)) if a >= 0.0 && b >= a));
}

#[tokio::test]
async fn wait_long_polls_until_enough_requests() {
    let addr = start(&[]).await;
    script(addr, "w", r#"{"responses":[{}]}"#).await;
    let mut wait = tokio::spawn(async move { get(addr, "/_wait/w?count=2&timeout=60000").await });
    get(addr, "/sse/w").await;
    // Negative check: with one request of two, the wait may not answer within 200 ms.
    let early = tokio::time::timeout(Duration::from_millis(200), &mut wait).await;
    assert!(early.is_err(), "answered before the second request");
    get(addr, "/sse/w").await;
    // It answers once the second request is recorded, long before its own
    // timeout (60 s).
    let resp = tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("no answer within 10 s of the second request")
        .expect("the waiting task");
    assert_eq!(resp.json().as_array().map(Vec::len), Some(2));
    assert_eq!(resp.head.get("x-wait-reached").as_deref(), Some("true"));

    let resp = get(addr, "/_wait/w?count=5&timeout=50").await;
    assert_eq!(resp.json().as_array().map(Vec::len), Some(2));
    assert_eq!(resp.head.get("x-wait-reached").as_deref(), Some("false"));
}

#[tokio::test]
async fn close_cut_and_stall_end_the_body_differently() {
    let addr = start(&[]).await;
    let body = r#"[{"data":"data: a\n\n"},{"delay":20},{"data":"data: b\n\n"}]"#;
    script(
        addr,
        "close",
        &format!(r#"{{"responses":[{{"body":{body}}}]}}"#),
    )
    .await;
    script(
        addr,
        "cut",
        &format!(r#"{{"responses":[{{"body":{body},"end":"cut"}}]}}"#),
    )
    .await;
    script(
        addr,
        "stall",
        &format!(r#"{{"responses":[{{"body":{body},"end":"stall"}}]}}"#),
    )
    .await;

    let closed = get(addr, "/sse/close").await;
    assert!(closed.complete);
    assert_eq!(closed.text(), "data: a\n\ndata: b\n\n");
    assert_eq!(closed.chunks, [9, 9], "each data step is its own chunk");

    let cut = get(addr, "/sse/cut").await;
    assert!(!cut.complete, "a cut body has no terminating chunk");
    assert_eq!(
        cut.text(),
        "data: a\n\ndata: b\n\n",
        "data before the cut arrives"
    );

    let mut conn = Conn::open(addr).await;
    conn.send(&request("GET", "/sse/stall", &[], b"")).await;
    assert_eq!(conn.head().await.status, 200);
    assert_eq!(conn.chunk().await, Chunk::Data(b"data: a\n\n".to_vec()));
    assert_eq!(conn.chunk().await, Chunk::Data(b"data: b\n\n".to_vec()));
    assert!(
        conn.silent_for(150).await,
        "a stalled stream sends nothing more"
    );
    assert_eq!(get(addr, "/_closed/stall").await.json(), 0);
    drop(conn);
    assert_eq!(
        get(addr, "/_closed/stall?count=1&timeout=3000")
            .await
            .json(),
        1
    );
    // Neither a completed nor a cut stream was abandoned by its client.
    assert_eq!(get(addr, "/_closed/close").await.json(), 0);
    assert_eq!(get(addr, "/_closed/cut").await.json(), 0);
}

#[tokio::test]
async fn client_leaving_mid_delay_counts_as_closed() {
    let addr = start(&[]).await;
    script(
        addr,
        "slow",
        r#"{"responses":[{"body":[{"data":": hi\n\n"},{"delay":60000},{"data":"late"}]}]}"#,
    )
    .await;
    let mut conn = Conn::open(addr).await;
    conn.send(&request("GET", "/sse/slow", &[], b"")).await;
    conn.head().await;
    assert_eq!(conn.chunk().await, Chunk::Data(b": hi\n\n".to_vec()));
    drop(conn);
    assert_eq!(
        get(addr, "/_closed/slow?count=1&timeout=3000").await.json(),
        1
    );
}

#[tokio::test]
async fn stall_with_empty_body_still_sends_headers() {
    let addr = start(&[]).await;
    script(
        addr,
        "s",
        r#"{"responses":[{"end":"stall","headers":{"X-A":"1"}}]}"#,
    )
    .await;
    let mut conn = Conn::open(addr).await;
    conn.send(&request("GET", "/sse/s", &[], b"")).await;
    let head = conn.head().await;
    assert_eq!(head.get("x-a").as_deref(), Some("1"));
    assert!(conn.silent_for(100).await);
}

#[tokio::test]
async fn raw_bytes_and_headers() {
    let addr = start(&[]).await;
    script(
        addr,
        "raw",
        r#"{"responses":[{"status":307,"headers":{"Location":"/sse/b?p=1",
            "Content-Type":null,"X-Multi":["a","b"],"X-Utf8":"é"},
            "body":[{"bytes":[239,187,191,255]},{"b64":"AAE="},{"b64":"-_8"},{"data":"é"},
                    {"repeat":{"count":3,"data":"ab"}}]}]}"#,
    )
    .await;
    let resp = get(addr, "/sse/raw").await;
    assert_eq!(resp.head.status, 307);
    assert_eq!(resp.head.get("location").as_deref(), Some("/sse/b?p=1"));
    assert_eq!(resp.head.get("content-type"), None);
    let multi: Vec<_> = resp
        .head
        .headers
        .iter()
        .filter(|(n, _)| n == "x-multi")
        .collect();
    assert_eq!(multi.len(), 2);
    let utf8 = resp.head.headers.iter().find(|(n, _)| n == "x-utf8");
    assert_eq!(utf8.map(|(_, v)| v.as_slice()), Some("é".as_bytes()));
    let mut expected = vec![0xEF, 0xBB, 0xBF, 0xFF, 0x00, 0x01, 0xFB, 0xFF];
    expected.extend_from_slice("éababab".as_bytes());
    assert_eq!(resp.body, expected);
}

#[tokio::test]
async fn bad_scripts_are_rejected() {
    let addr = start(&[]).await;
    let resp = post(
        addr,
        "/_script/x",
        r#"{"responses":[{"body":[{"sleep":5}]}]}"#,
    )
    .await;
    assert_eq!(resp.head.status, 400);
    assert!(resp.text().contains("sleep"), "{}", resp.text());
    assert_eq!(post(addr, "/_script/x", "not json").await.head.status, 400);
    let resp = post(
        addr,
        "/_script/x",
        r#"{"responses":[{},{"body":[{"b64":"!!"}]}]}"#,
    )
    .await;
    assert_eq!(resp.head.status, 400);
    assert!(
        resp.text()
            .starts_with("responses[1]: body[0]: invalid base64"),
        "{}",
        resp.text()
    );
}

#[tokio::test]
async fn cors_modes_and_preflights() {
    let addr = start(&[]).await;
    let origin: &[u8] = b"http://localhost:9999";
    let preflight = [
        ("Origin", origin),
        ("Access-Control-Request-Method", b"GET".as_slice()),
        (
            "Access-Control-Request-Headers",
            b"last-event-id, x-token".as_slice(),
        ),
    ];

    script(
        addr,
        "anon",
        r#"{"cors":"anonymous","responses":[{"headers":{"X-A":"1"}},{"headers":{"X-A":"2"}}]}"#,
    )
    .await;
    let pre = fetch(addr, "OPTIONS", "/sse/anon", &preflight, b"").await;
    assert_eq!(pre.head.status, 204);
    assert_eq!(
        pre.head.get("access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert_eq!(
        pre.head.get("access-control-allow-headers").as_deref(),
        Some("last-event-id, x-token")
    );
    assert_eq!(pre.head.get("access-control-max-age").as_deref(), Some("0"));
    assert!(pre
        .head
        .get("access-control-allow-methods")
        .is_some_and(|m| m.contains("GET")));
    let resp = fetch(addr, "GET", "/sse/anon", &[("Origin", origin)], b"").await;
    assert_eq!(
        resp.head.get("access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert_eq!(
        resp.head.get("x-a").as_deref(),
        Some("1"),
        "the preflight did not consume an attempt"
    );
    let expose = resp
        .head
        .get("access-control-expose-headers")
        .unwrap_or_default();
    assert!(
        expose.starts_with('*') && expose.contains("x-a"),
        "{expose}"
    );
    let list = get(addr, "/_requests/anon").await.json();
    assert_eq!(list[0]["preflight"], true);
    assert_eq!(list[0]["method"], "OPTIONS");
    assert_eq!(list[1]["preflight"], false);
    let attempts = get(addr, "/_requests/anon?kind=attempts").await.json();
    assert_eq!(attempts.as_array().map(Vec::len), Some(1));

    script(addr, "cred", r#"{"cors":"credentials","responses":[{}]}"#).await;
    let pre = fetch(addr, "OPTIONS", "/sse/cred", &preflight, b"").await;
    assert_eq!(
        pre.head.get("access-control-allow-origin").as_deref(),
        Some("http://localhost:9999")
    );
    assert_eq!(
        pre.head.get("access-control-allow-credentials").as_deref(),
        Some("true")
    );
    let resp = fetch(addr, "GET", "/sse/cred", &[("Origin", origin)], b"").await;
    assert_eq!(
        resp.head.get("access-control-allow-origin").as_deref(),
        Some("http://localhost:9999")
    );
    assert_eq!(
        resp.head.get("access-control-allow-credentials").as_deref(),
        Some("true")
    );

    script(addr, "none", r#"{"cors":"none","responses":[{}]}"#).await;
    let pre = fetch(addr, "OPTIONS", "/sse/none", &preflight, b"").await;
    assert_eq!(pre.head.get("access-control-allow-origin"), None);
    let resp = fetch(addr, "GET", "/sse/none", &[("Origin", origin)], b"").await;
    assert_eq!(resp.head.status, 200);
    assert_eq!(resp.head.get("access-control-allow-origin"), None);

    // A script can override the CORS headers to simulate a broken server.
    script(
        addr,
        "broken",
        r#"{"responses":[{"headers":{"Access-Control-Allow-Origin":"http://elsewhere"}}]}"#,
    )
    .await;
    let resp = get(addr, "/sse/broken").await;
    assert_eq!(
        resp.head.get("access-control-allow-origin").as_deref(),
        Some("http://elsewhere")
    );
}

#[tokio::test]
async fn control_api_answers_cross_origin_preflights() {
    let addr = start(&[]).await;
    let pre = fetch(
        addr,
        "OPTIONS",
        "/_script/x",
        &[
            ("Origin", b"http://127.0.0.1:1"),
            ("Access-Control-Request-Method", b"POST"),
            ("Access-Control-Request-Headers", b"content-type"),
        ],
        b"",
    )
    .await;
    assert_eq!(pre.head.status, 204);
    assert_eq!(
        pre.head.get("access-control-allow-headers").as_deref(),
        Some("content-type")
    );
    let resp = post(addr, "/_script/x", r#"{"responses":[]}"#).await;
    assert_eq!(
        resp.head.get("access-control-allow-origin").as_deref(),
        Some("*")
    );
}

#[tokio::test]
async fn bench_streams_exact_chunks() {
    let addr = start(&[]).await;
    let resp = get(addr, "/bench?n=100&size=32&chunk=100").await;
    assert_eq!(resp.head.status, 200);
    assert_eq!(
        resp.head.get("content-type").as_deref(),
        Some("text/event-stream")
    );
    assert_eq!(resp.head.get("cache-control").as_deref(), Some("no-store"));
    assert!(resp.complete);
    let prefix = b"retry: 3600000\n\n";
    assert!(resp.body.starts_with(prefix));
    assert_eq!(resp.body.len(), prefix.len() + 100 * 32);
    let (last, full) = resp.chunks.split_last().expect("chunks");
    assert!(full.iter().all(|&c| c == 100), "{:?}", resp.chunks);
    assert!(*last <= 100 && *last > 0);
    let text = resp.text();
    assert!(text.contains("data: 99:"));
    assert!(!text.contains("id:"), "small events carry no id");

    let resp = get(addr, "/bench?n=10&size=110&chunk=1460").await;
    assert_eq!(
        resp.head.get("x-bench-bytes"),
        Some(resp.body.len().to_string())
    );
    let text = resp.text();
    let events: Vec<&str> = text[prefix.len()..].split_terminator("\n\n").collect();
    assert_eq!(events.len(), 10);
    assert!(events.iter().all(|e| e.len() + 2 == 110));
    assert!(events[3].starts_with("id: 3\ndata: 3:x"), "{}", events[3]);
    let text = get(addr, "/bench?n=3&size=110&id=0").await.text();
    assert!(!text.contains("id:"), "id=0 leaves ids out");
    assert_eq!(get(addr, "/bench?chunk=0").await.head.status, 400);
}

#[tokio::test]
async fn results_are_long_polled() {
    let addr = start(&[]).await;
    let mut wait = tokio::spawn(async move { get(addr, "/_result/run1?timeout=60000").await });
    // Negative check: with nothing stored, the GET may not answer within 200 ms.
    let early = tokio::time::timeout(Duration::from_millis(200), &mut wait).await;
    assert!(early.is_err(), "answered before the result was stored");
    post(addr, "/_result/run1", r#"{"ms":12.5}"#).await;
    let resp = tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("no answer within 10 s of the result")
        .expect("the waiting task");
    assert_eq!(resp.head.status, 200);
    assert_eq!(
        resp.head.get("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(resp.json(), json!({"ms": 12.5}));
    assert_eq!(
        get(addr, "/_result/other?timeout=30").await.head.status,
        404
    );
}

#[tokio::test]
async fn static_files_with_types_and_no_traversal() {
    let base = std::env::temp_dir().join(format!(
        "sse-test-server-{}-{:?}",
        std::process::id(),
        Instant::now()
    ));
    let www = base.join("www");
    let pkg = base.join("pkg");
    for dir in [&www.join("sub"), &pkg] {
        std::fs::create_dir_all(dir).expect("mkdir");
    }
    std::fs::write(www.join("index.html"), "<h1>home</h1>").expect("write");
    std::fs::write(www.join("sub/index.html"), "sub").expect("write");
    std::fs::write(pkg.join("a_bg.wasm"), b"\0asm").expect("write");
    std::fs::write(pkg.join("a.js"), "export {}").expect("write");
    std::fs::write(pkg.join("a.d.ts"), "export {}").expect("write");
    std::fs::write(base.join("secret.txt"), "secret").expect("write");

    let addr = start(&[www.display().to_string(), format!("pkg={}", pkg.display())]).await;
    let home = get(addr, "/").await;
    assert_eq!(home.text(), "<h1>home</h1>");
    assert_eq!(
        home.head.get("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(get(addr, "/sub/").await.text(), "sub");
    assert_eq!(get(addr, "/sub").await.head.status, 301);
    for (path, ty) in [
        ("/pkg/a_bg.wasm", "application/wasm"),
        ("/pkg/a.js", "text/javascript; charset=utf-8"),
        ("/pkg/a.d.ts", "application/typescript; charset=utf-8"),
    ] {
        let resp = get(addr, path).await;
        assert_eq!(resp.head.status, 200, "{path}");
        assert_eq!(resp.head.get("content-type").as_deref(), Some(ty), "{path}");
    }
    assert_eq!(get(addr, "/pkg/a_bg.wasm").await.body, b"\0asm");
    assert_eq!(get(addr, "/missing.js").await.head.status, 404);
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/pkg/..%2fsecret.txt",
        "/sub/..%5c..%5csecret.txt",
    ] {
        let resp = get(addr, path).await;
        assert_eq!(resp.head.status, 403, "{path}");
        assert!(
            !resp.text().contains("secret\n") && resp.text() != "secret",
            "{path}"
        );
    }
    let _ = std::fs::remove_dir_all(&base);
}

#[tokio::test]
async fn demo_power_drops_connections_and_chat_needs_a_token() {
    let addr = start(&[]).await;
    let mut clock = Conn::open(addr).await;
    clock
        .send(&request(
            "GET",
            "/demo/clock",
            &[("Last-Event-ID", b"41")],
            b"",
        ))
        .await;
    let head = clock.head().await;
    assert_eq!(
        head.get("access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert_eq!(
        clock.chunk().await,
        Chunk::Data(b"retry: 1000\n\n".to_vec())
    );
    let Chunk::Data(first) = clock.chunk().await else {
        panic!("clock event")
    };
    let first = String::from_utf8(first).expect("UTF-8");
    assert!(first.starts_with("id: 42\ndata: {\"n\":42,"), "{first}");
    let data: Value = first
        .strip_prefix("id: 42\ndata: ")
        .and_then(|d| serde_json::from_str(d.trim_end()).ok())
        .unwrap_or_default();
    let time = data["time"].as_str().unwrap_or_default();
    // 2025-01-01T00:00:00.000Z, as JavaScript's Date.toISOString() writes it.
    assert_eq!(
        (time.len(), time.get(10..11), time.get(19..20)),
        (24, Some("T"), Some(".")),
        "{time}"
    );
    assert!(
        time.ends_with('Z') && humantime::parse_rfc3339(time).is_ok(),
        "{time}"
    );

    assert_eq!(post(addr, "/demo/chat", "").await.head.status, 401);
    let mut chat = Conn::open(addr).await;
    chat.send(&request(
        "POST",
        "/demo/chat",
        &[("Authorization", b"Bearer t0k")],
        br#"{"prompt":"hello brave new world"}"#,
    ))
    .await;
    assert_eq!(chat.head().await.status, 200);
    let Chunk::Data(hello) = chat.chunk().await else {
        panic!("auth event")
    };
    assert!(String::from_utf8_lossy(&hello).contains(r#""auth":"t0k""#));
    let Chunk::Data(token) = chat.chunk().await else {
        panic!("token event")
    };
    assert_eq!(token, b"id: 1\ndata: {\"token\":\"hello \"}\n\n");

    let off = post(addr, "/demo/power?on=false", "").await;
    assert_eq!(off.json(), json!({"on": false}));
    // Live streams are cut: no terminating chunk.
    loop {
        match clock.chunk().await {
            Chunk::Data(_) => continue,
            end => {
                assert_eq!(end, Chunk::Eof);
                break;
            }
        }
    }
    assert_eq!(chat_end(&mut chat).await, Chunk::Eof);
    let mut refused = Conn::open(addr).await;
    refused.send(&request("GET", "/demo/clock", &[], b"")).await;
    assert!(refused.closed_without_response().await);

    post(addr, "/demo/power?on=true", "").await;
    assert_eq!(get(addr, "/demo/power").await.json(), json!({"on": true}));
    let mut again = Conn::open(addr).await;
    again.send(&request("GET", "/demo/clock", &[], b"")).await;
    assert_eq!(again.head().await.status, 200);
}

async fn chat_end(conn: &mut Conn) -> Chunk {
    loop {
        match conn.chunk().await {
            Chunk::Data(_) => continue,
            end => return end,
        }
    }
}

#[tokio::test]
async fn sent_counts_what_a_client_that_stops_reading_let_through() {
    let addr = start(&[]).await;
    // 64 MiB of events, far more than the socket buffers hold.
    script(
        addr,
        "flood",
        r#"{"responses":[{"body":[{"repeat":{"count":1048576,"data":"data: 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdef\n\n"}}]}]}"#,
    )
    .await;
    let mut conn = Conn::open(addr).await;
    conn.send(&request("GET", "/sse/flood", &[], b"")).await;
    assert_eq!(conn.head().await.status, 200);
    // Not reading: the count grows until TCP pushes back, then stops.
    let sent = || async { get(addr, "/_sent/flood").await.json().as_u64().unwrap() };
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = sent().await;
    loop {
        // Negative check: once TCP pushes back, nothing more may be sent within 200 ms.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = sent().await;
        if now == last && now > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still sending after 10 s: {now} bytes"
        );
        last = now;
    }
    assert!(last < 32 << 20, "stopped far short of 64 MiB: {last}");
    // Reading on lets the rest through.
    assert!(matches!(conn.chunk().await, Chunk::Data(_)));
    drop(conn);
    assert_eq!(get(addr, "/_sent/nothing").await.json(), 0);
}

#[tokio::test]
async fn tick_stamps_each_event_with_the_servers_clock() {
    let addr = start(&[]).await;
    let wall_ms = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
            * 1000.0
    };
    // Whole milliseconds: the stamps have three decimals.
    let before = wall_ms().floor();
    let resp = get(addr, "/tick?n=5&interval=2").await;
    let after = wall_ms().ceil();
    let stamps: Vec<f64> = resp
        .text()
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(stamps.len(), 5);
    // The server's clock is this process's: every stamp falls within the
    // request, in order. The pacing is a lower bound only: a server held up
    // (a busy machine) sends the late events at once, so no gap between two
    // events is certain, but event k is never sent before k intervals.
    assert!(
        stamps.iter().all(|&t| (before..=after).contains(&t)),
        "{stamps:?} not within {before}..={after}"
    );
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
    assert!(
        stamps[4] - before >= 5.0 * 2.0 - 1.0,
        "{stamps:?} after {before}"
    );
}

#[tokio::test]
async fn count_steps_pad_each_event_with_a_comment() {
    let addr = start(&[]).await;
    script(
        addr,
        "padded",
        r#"{"responses":[{"body":[{"count":{"interval":0,"count":2,"pad":8}}]}]}"#,
    )
    .await;
    assert_eq!(
        get(addr, "/sse/padded").await.text(),
        ": xxxxx\nid: 1\ndata: 1\n\n: xxxxx\nid: 2\ndata: 2\n\n"
    );
}

#[tokio::test]
async fn count_steps_resume_after_the_last_event_id() {
    let addr = start(&[]).await;
    script(
        addr,
        "counter",
        r#"{"responses":[{"body":[{"count":{"interval":1,"count":3}}]}]}"#,
    )
    .await;
    assert_eq!(
        get(addr, "/sse/counter").await.text(),
        "id: 1\ndata: 1\n\nid: 2\ndata: 2\n\nid: 3\ndata: 3\n\n"
    );
    let mut conn = Conn::open(addr).await;
    conn.send(&request(
        "GET",
        "/sse/counter",
        &[("last-event-id", b"41")],
        b"",
    ))
    .await;
    assert_eq!(conn.head().await.status, 200);
    assert_eq!(
        conn.chunk().await,
        Chunk::Data(b"id: 42\ndata: 42\n\n".to_vec())
    );
}
