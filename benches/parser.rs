//! Native throughput of the stream parser.
//!
//! Run with `cargo bench --bench parser`. Each workload is parsed several
//! times by a fresh parser, chunk by chunk, the way the browser layer drives
//! it: feed a chunk, hand the packed batch on, clear the batch. The table
//! shows the median run; "linearity" compares one 8 MiB data line with eight
//! 1 MiB lines, both in 1460-byte chunks (the cost of a line should not grow
//! faster than its length).

use std::hint::black_box;
use std::time::{Duration, Instant};

use wasm_eventsource::parser::{Batch, EventParser, Feed};

const MIB: usize = 1024 * 1024;

struct Workload {
    name: &'static str,
    input: Vec<u8>,
    chunk: usize,
    runs: usize,
}

struct Measured {
    median: Duration,
    events: usize,
}

/// About 100-byte events, each with `id:` and `event:` lines.
fn small_events(total: usize) -> Vec<u8> {
    let mut input = Vec::with_capacity(total + 128);
    let mut seq = 0u64;
    while input.len() < total {
        seq += 1;
        let event = format!(
            "id: {seq}\nevent: update\ndata: {{\"seq\":{seq},\"user\":\"alice\",\"text\":\"hello, world! how are you today?\"}}\n\n"
        );
        input.extend_from_slice(event.as_bytes());
    }
    input
}

/// Events made of one data line of `line` bytes each (ASCII, or a mix of
/// 2-, 3- and 4-byte characters).
fn data_lines(count: usize, line: usize, multi_byte: bool) -> Vec<u8> {
    let pattern: &[u8] = if multi_byte {
        "жимолость 日本語 😀 ".as_bytes()
    } else {
        b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    };
    let mut input = Vec::with_capacity(count * (line + 8));
    for _ in 0..count {
        input.extend_from_slice(b"data: ");
        let start = input.len();
        while input.len() - start < line {
            input.extend_from_slice(pattern);
        }
        // Cut back to a character boundary at or below `line` bytes.
        let mut end = start + line;
        while std::str::from_utf8(&input[start..end]).is_err() {
            end -= 1;
        }
        input.truncate(end);
        input.extend_from_slice(b"\n\n");
    }
    input
}

/// Feeds `input` in `chunk`-byte pieces, handing each batch on and clearing
/// it, as the browser layer does.
fn parse_with(
    parser: &mut EventParser,
    batch: &mut Batch,
    input: &[u8],
    chunk: usize,
) -> (Duration, usize) {
    let mut events = 0;
    let start = Instant::now();
    for piece in input.chunks(chunk) {
        if parser.feed(black_box(piece), batch) != Feed::Ok {
            panic!("overflow in benchmark input");
        }
        events += batch.len();
        black_box(batch.packed());
        batch.clear();
    }
    (start.elapsed(), events)
}

/// A fresh parser, as for a new connection: its buffers start empty.
fn parse_once(input: &[u8], chunk: usize) -> (Duration, usize) {
    let mut parser = EventParser::new();
    let measured = parse_with(&mut parser, &mut Batch::new(), input, chunk);
    parser.finish();
    measured
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

fn measure(workload: &Workload) -> Measured {
    // One warm-up run, untimed.
    let (_, events) = parse_once(&workload.input, workload.chunk);
    let times = (0..workload.runs)
        .map(|_| parse_once(&workload.input, workload.chunk).0)
        .collect();
    Measured {
        median: median(times),
        events,
    }
}

fn row(workload: &Workload, measured: &Measured) {
    let secs = measured.median.as_secs_f64();
    let bytes = workload.input.len();
    println!(
        "| {} | {} | {} | {} | {:.0} | {:.0} | {:.2} |",
        workload.name,
        bytes,
        workload.chunk,
        measured.events,
        bytes as f64 / secs / 1e6,
        measured.events as f64 / secs,
        secs * 1e3,
    );
}

fn main() {
    let workloads = [
        Workload {
            name: "(a) ~100-byte events with id+event, 4 KiB chunks",
            input: small_events(32 * MIB),
            chunk: 4096,
            runs: 9,
        },
        Workload {
            name: "(b) 64 KiB data lines, 64 KiB chunks",
            input: data_lines(1024, 64 * 1024, false),
            chunk: 64 * 1024,
            runs: 15,
        },
        Workload {
            name: "(b') 64 KiB data lines, 4 KiB chunks",
            input: data_lines(1024, 64 * 1024, false),
            chunk: 4096,
            runs: 9,
        },
        Workload {
            name: "(b\") 64 KiB multi-byte UTF-8 data lines, 64 KiB chunks",
            input: data_lines(1024, 64 * 1024, true),
            chunk: 64 * 1024,
            runs: 9,
        },
        Workload {
            name: "(c) workload (a), 1-byte chunks",
            input: small_events(2 * MIB),
            chunk: 1,
            runs: 5,
        },
    ];
    println!("| workload | bytes | chunk | events | MB/s | events/s | median ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for workload in &workloads {
        row(workload, &measure(workload));
    }

    linearity();
}

/// One 8 MiB data line against eight 1 MiB lines, both in 1460-byte chunks,
/// runs interleaved so that background load hits both alike. "cold" uses a
/// fresh parser per run, so the single line also pays for 8 MiB of newly
/// mapped memory (page faults, zeroing) where the eight lines recycle one
/// 1 MiB buffer; "warm" reuses one parser per input across runs, so its
/// buffers already have their capacity and only the parsing is measured.
fn linearity() {
    const RUNS: usize = 41;
    let one_line = Workload {
        name: "one 8 MiB data line, 1460-byte chunks",
        input: data_lines(1, 8 * MIB, false),
        chunk: 1460,
        runs: RUNS,
    };
    let eight_lines = Workload {
        name: "eight 1 MiB data lines, 1460-byte chunks",
        input: data_lines(8, MIB, false),
        chunk: 1460,
        runs: RUNS,
    };
    let mut warm_one = (EventParser::new(), Batch::new());
    let mut warm_eight = (EventParser::new(), Batch::new());
    let mut times: [Vec<Duration>; 4] = Default::default();
    let mut events = [0; 2];
    for run in 0..=RUNS {
        let cold_one = parse_once(&one_line.input, one_line.chunk);
        let cold_eight = parse_once(&eight_lines.input, eight_lines.chunk);
        let hot_one = parse_with(
            &mut warm_one.0,
            &mut warm_one.1,
            &one_line.input,
            one_line.chunk,
        );
        let hot_eight = parse_with(
            &mut warm_eight.0,
            &mut warm_eight.1,
            &eight_lines.input,
            eight_lines.chunk,
        );
        events = [cold_one.1, cold_eight.1];
        // The first round warms up.
        if run > 0 {
            for (list, (time, _)) in times
                .iter_mut()
                .zip([cold_one, cold_eight, hot_one, hot_eight])
            {
                list.push(time);
            }
        }
    }
    let fastest = times
        .clone()
        .map(|list| list.into_iter().min().unwrap_or_default());
    let [cold_one, cold_eight, hot_one, hot_eight] = times.map(median);
    for (label, workload, time, count) in [
        ("cold", &one_line, cold_one, events[0]),
        ("cold", &eight_lines, cold_eight, events[1]),
        ("warm", &one_line, hot_one, events[0]),
        ("warm", &eight_lines, hot_eight, events[1]),
    ] {
        let secs = time.as_secs_f64();
        let bytes = workload.input.len();
        println!(
            "| {} ({label}) | {} | {} | {} | {:.0} | {:.0} | {:.2} |",
            workload.name,
            bytes,
            workload.chunk,
            count,
            bytes as f64 / secs / 1e6,
            count as f64 / secs,
            secs * 1e3,
        );
    }
    println!();
    let ratio = |one: Duration, eight: Duration| one.as_secs_f64() / eight.as_secs_f64();
    println!(
        "linearity (one 8 MiB line / eight 1 MiB lines, target <= 1.20): \
         medians: warm {:.2}, cold {:.2}; fastest runs: warm {:.2}, cold {:.2}",
        ratio(hot_one, hot_eight),
        ratio(cold_one, cold_eight),
        ratio(fastest[2], fastest[3]),
        ratio(fastest[0], fastest[1]),
    );
}
