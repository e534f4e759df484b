// The browser half of `make bench-browser`'s stream suite (run.mjs --suite
// streams), in one page with no DevTools client attached:
//   parser: EventStreamParser against eventsource-parser 3's
//     EventSourceParserStream, both fed the same bytes in 1460-byte chunks
//     from memory (no network), counting events;
//   consumption: `for await` over our EventSource against native
//     EventSource with one listener, on the same streams served by the
//     scripted test server.
// Workloads: W1 32-byte events; W2 ~110-byte LLM-style events with ids;
// W3 CRLF lines with comments and named events; W4 one 8 MiB data line
// (and 2 and 4 MiB, for linearity). Results go to /_result/{key}.
import { clear, median, print, run, runs, rest } from './page.js';
import { EventSource as WasmEventSource, ready } from '/pkg/index.js';
import { EventStreamParser } from '/pkg/parser.js';
import { EventSourceParserStream } from 'eventsource-parser/stream';

const NativeEventSource = globalThis.EventSource;
const CHUNK = 1460;
const pad = (s, size) => s.padEnd(size, 'x');

/** Each workload: its text (built once), its event count, and the event type consumers listen to. */
function workloads() {
  const w1 = [];
  for (let i = 0; i < 200_000; i++) w1.push(`data: ${pad(`${i}:`, 32 - 'data: \n\n'.length)}\n\n`);
  const w2 = [];
  for (let i = 0; i < 100_000; i++) {
    const body = `{"id":"chatcmpl-${i}","choices":[{"delta":{"content":"tok${i % 997}"}}]}`;
    w2.push(`id: ${i}\ndata: ${pad(body, 110 - `id: ${i}\ndata: \n\n`.length)}\n\n`);
  }
  const w3 = [];
  for (let i = 0; i < 50_000; i++) {
    w3.push(`: keep-alive ${i}\r\nevent: update\r\nid: ${i}\r\ndata: first line ${i}\r\ndata: second line\r\n\r\n`);
  }
  const big = (mib) => ({ name: `W4 one ${mib} MiB data line`, text: `data: ${'y'.repeat(mib << 20)}\n\n`, n: 1, type: 'message', mib });
  return [
    { name: 'W1 32-byte events', text: w1.join(''), n: w1.length, type: 'message' },
    { name: 'W2 ~110-byte LLM-style events with ids', text: w2.join(''), n: w2.length, type: 'message' },
    { name: 'W3 CRLF lines, comments, named events', text: w3.join(''), n: w3.length, type: 'update' },
    big(2),
    big(4),
    big(8),
  ];
}

function chunksOf(text) {
  const bytes = new TextEncoder().encode(text);
  const chunks = [];
  for (let i = 0; i < bytes.length; i += CHUNK) chunks.push(bytes.subarray(i, i + CHUNK));
  return chunks;
}

function streamOf(chunks) {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
  });
}

/** Milliseconds to parse every chunk into events with `parse`, checking the count. */
async function parseRun(parse, w, chunks) {
  const start = performance.now();
  const reader = parse(streamOf(chunks)).getReader();
  let n = 0;
  let last;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += 1;
    last = value;
  }
  const ms = performance.now() - start;
  if (n !== w.n) throw new Error(`${w.name}: ${n} events of ${w.n}`);
  if (w.mib && last.data.length !== w.mib << 20) throw new Error(`${w.name}: data of ${last.data.length}`);
  return ms;
}

const PARSERS = {
  ours: (s) => s.pipeThrough(new EventStreamParser({ maxBufferSize: 64 << 20 })),
  'eventsource-parser': (s) => s.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()),
};

/**
 * The floor under any TransformStream parser: the same number of events,
 * made beforehand, enqueued chunk by chunk and read one by one, with no
 * parsing at all.
 */
function streamFloor(w, chunks) {
  const perChunk = Math.ceil(w.n / chunks.length);
  const events = Array.from({ length: perChunk }, (_, i) => ({ type: 'message', data: String(i), lastEventId: '' }));
  let left = w.n;
  return (s) =>
    s.pipeThrough(
      new TransformStream({
        transform(_, controller) {
          for (let i = 0; i < perChunk && left > 0; i++, left--) controller.enqueue(events[i]);
        },
      })
    );
}

/** Script the workload as `/sse/{name}` (the server repeats nothing: the whole text, in 16 KiB frames). */
async function scriptStream(name, text) {
  const res = await fetch(`/_script/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ responses: [{ headers: { 'Content-Type': 'text/event-stream' }, body: [{ repeat: { count: 1, data: text } }, { delay: 60000 }] }] }),
  });
  if (!res.ok) throw new Error(`script ${name}: ${await res.text()}`);
}

/** Milliseconds from `new EventSource` to the workload's last event. */
async function consumeRun(client, w, name) {
  const url = `/sse/${name}`;
  const start = performance.now();
  let n = 0;
  if (client === 'native') {
    await new Promise((resolve, reject) => {
      const es = new NativeEventSource(url);
      es.addEventListener(w.type, () => {
        n += 1;
        if (n === w.n) {
          es.close();
          resolve();
        }
      });
      es.onerror = () => {
        es.close();
        reject(new Error(`native on ${w.name}: error after ${n}`));
      };
    });
  } else {
    for await (const m of new WasmEventSource(url, { maxBufferSize: 64 << 20 })) {
      n += 1;
      if (n === w.n) break;
      void m;
    }
  }
  return performance.now() - start;
}

async function measure(label, fns, w, arg) {
  const times = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  for (const k of Object.keys(fns)) await fns[k](w, arg, 'warm');
  for (let r = 0; r < runs; r++) {
    const order = r % 2 ? Object.keys(fns).reverse() : Object.keys(fns);
    for (const k of order) {
      await rest(100);
      const ms = await fns[k](w, arg, r);
      times[k].push(ms);
      print(`${label} ${w.name}  run ${r + 1} ${k.padEnd(20)} ${ms.toFixed(1)} ms  ${Math.round((w.n / ms) * 1000)} events/s`);
    }
  }
  return Object.fromEntries(
    Object.entries(times).map(([k, ms]) => [
      k,
      {
        runsMs: ms.map((x) => Math.round(x * 10) / 10),
        bestMs: Math.min(...ms),
        medianMs: median(ms),
        eventsPerSecBest: (w.n / Math.min(...ms)) * 1000,
        eventsPerSecMedian: (w.n / median(ms)) * 1000,
        mbPerSecBest: w.text.length / Math.min(...ms) / 1000,
      },
    ])
  );
}

async function main() {
  await ready;
  clear();
  const parser = [];
  const consumption = [];
  for (const w of workloads()) {
    const chunks = chunksOf(w.text);
    const parse = Object.fromEntries(Object.entries(PARSERS).map(([k, p]) => [k, (wl, c) => parseRun(p, wl, c)]));
    if (!w.mib) parse['stream floor'] = (wl, c) => parseRun(streamFloor(wl, c), wl, c);
    parser.push({ workload: w.name, events: w.n, bytes: w.text.length, mib: w.mib, ...(await measure('parse', parse, w, chunks)) });
    if (w.mib && w.mib !== 8) continue;
    const name = `streams-${w.name.slice(0, 2)}-${Date.now()}`;
    await scriptStream(name, w.text);
    const consume = { native: (wl, n) => consumeRun('native', wl, n), 'ours (for await)': (wl, n) => consumeRun('ours', wl, n) };
    consumption.push({ workload: w.name, events: w.n, bytes: w.text.length, ...(await measure('consume', consume, w, name)) });
  }
  return { userAgent: navigator.userAgent, runs, chunk: CHUNK, parser, consumption };
}

run(main);
