// The browser half of `make bench-browser`'s events suite: in one page with
// no DevTools client attached, the browser's EventSource, ours, `eventsource`
// v4 and `event-source-polyfill` 1.0.31 on the server's /bench streams, then
// latency and open time, then CPU time per event (with run.mjs reading the
// renderer's CPU time between the page's marks). Results go to
// /_result/{key}, where run.mjs picks them up.
//
// Query parameters: key (where to post; without it nothing is posted),
// runs (measured runs per client and stream, default 5).
import { clear, key, median, print, run, runs, rest } from './page.js';
import { EventSource as WasmEventSource, ready } from '/pkg/index.js';
import { EventSource as EventSourceV4 } from 'eventsource';

const NativeEventSource = globalThis.EventSource;
const TIMEOUT_MS = 120_000;

/** The streams measured; `ids` marks events that carry `id: N`. */
const STREAMS = [
  { name: '32 B events', n: 200_000, query: 'size=32&chunk=1460', ids: false },
  { name: '110 B events with id', n: 100_000, query: 'size=110&id=1&chunk=1460', ids: true },
  { name: '1 KB events with id', n: 20_000, query: 'size=1024&id=1&chunk=1460', ids: true },
];
const CLIENTS = {
  native: NativeEventSource,
  ours: WasmEventSource,
  'eventsource v4': EventSourceV4,
  'event-source-polyfill': globalThis.EventSourcePolyfill,
};

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/**
 * One run: open a source on the stream, count `message` events until the
 * last one, close. Resolves to the milliseconds from construction to the
 * last event. The listener only counts, so the clients' cost is measured,
 * not the page's.
 */
function once(name, stream, run) {
  const Ctor = CLIENTS[name];
  const url = `/bench?n=${stream.n}&${stream.query}&run=${run}`;
  return new Promise((resolve, reject) => {
    let count = 0;
    const start = performance.now();
    const es = new Ctor(url);
    const fail = (why) => {
      es.close();
      clearTimeout(timer);
      reject(new Error(`${name} on ${url}: ${why} after ${count} events`));
    };
    const timer = setTimeout(() => fail(`timeout (${TIMEOUT_MS} ms)`), TIMEOUT_MS);
    es.onmessage = (e) => {
      count += 1;
      if (count < stream.n) return;
      const ms = performance.now() - start;
      es.close();
      clearTimeout(timer);
      // The last event must be the last one sent, not merely the n-th seen.
      const last = stream.n - 1;
      if (!e.data.startsWith(`${last}:`)) reject(new Error(`${url}: last data ${e.data.slice(0, 20)}`));
      else if (stream.ids && e.lastEventId !== String(last)) reject(new Error(`${url}: last id ${e.lastEventId}`));
      else resolve(ms);
    };
    // event-source-polyfill reports its own end-of-stream reconnects as errors; only a stall is a failure.
    es.onerror = (e) => {
      if (name !== 'event-source-polyfill') fail(`error event (${e.message || 'readyState ' + es.readyState})`);
    };
  });
}

/**
 * The floors under any EventSource written in JS or wasm: building and
 * dispatching one MessageEvent per event of `stream` from script, on an
 * EventTarget with one listener, with no network, no parsing and the
 * strings made beforehand. `create` is the cheapest faithful way
 * (createEvent + initMessageEvent, what ours does); `ctor` is
 * `new MessageEvent(type, { data, origin, lastEventId })`.
 */
function dispatchFloor(stream, datas, how) {
  const target = new EventTarget();
  let count = 0;
  target.addEventListener('message', () => {
    count += 1;
  });
  const origin = location.origin;
  const start = performance.now();
  for (let i = 0; i < stream.n; i++) {
    const lastEventId = stream.ids ? String(i) : '';
    let e;
    if (how === 'create') {
      e = document.createEvent('MessageEvent');
      e.initMessageEvent('message', false, false, datas[i], origin, lastEventId);
    } else {
      e = new MessageEvent('message', { data: datas[i], origin, lastEventId });
    }
    target.dispatchEvent(e);
  }
  const ms = performance.now() - start;
  if (count !== stream.n) throw new Error(`dispatch floor: ${count} of ${stream.n} events`);
  return ms;
}

/** The data fields of `stream`, as tests/server/src/bench.rs builds them. */
function streamData(stream) {
  const size = Number(new URLSearchParams(stream.query).get('size'));
  const datas = new Array(stream.n);
  for (let i = 0; i < stream.n; i++) {
    const idLine = stream.ids ? `id: ${i}\n`.length : 0;
    datas[i] = `${i}:`.padEnd(size - idLine - 'data: \n\n'.length, 'x');
  }
  return datas;
}

function summary(ms, n, bytes) {
  return {
    runsMs: ms.map((x) => Math.round(x * 10) / 10),
    medianMs: median(ms),
    bestMs: Math.min(...ms),
    eventsPerSecMedian: (n / median(ms)) * 1000,
    eventsPerSecBest: (n / Math.min(...ms)) * 1000,
    mbPerSecMedian: bytes ? bytes / median(ms) / 1000 : undefined,
  };
}

async function throughput() {
  const results = [];
  for (const stream of STREAMS) {
    const head = await fetch(`/bench?n=${stream.n}&${stream.query}`, { method: 'HEAD' });
    const bytes = Number(head.headers.get('x-bench-bytes'));
    const times = Object.fromEntries(Object.keys(CLIENTS).map((c) => [c, []]));
    // Warm-up: the first run of each pays for JIT, wasm tier-up and the
    // server building its cached body.
    for (const name of Object.keys(CLIENTS)) {
      const ms = await once(name, stream, 'warm');
      print(`${stream.name}  warm-up ${name.padEnd(22)} ${ms.toFixed(1)} ms`);
    }
    for (let r = 0; r < runs; r++) {
      // Rotate who goes first, so no one always runs on a warmer page.
      const names = Object.keys(CLIENTS);
      const order = names.map((_, i) => names[(i + r) % names.length]);
      for (const name of order) {
        await rest(150);
        const ms = await once(name, stream, r);
        times[name].push(ms);
        print(`${stream.name}  run ${r + 1} ${name.padEnd(22)} ${ms.toFixed(1)} ms  ${Math.round((stream.n / ms) * 1000)} events/s`);
      }
    }
    const datas = streamData(stream);
    const floors = { create: [], ctor: [] };
    for (const how of Object.keys(floors)) dispatchFloor(stream, datas, how);
    for (let r = 0; r < runs; r++) {
      for (const how of Object.keys(floors)) {
        await rest(50);
        floors[how].push(dispatchFloor(stream, datas, how));
      }
    }
    print(`${stream.name}  dispatch floor ${median(floors.create).toFixed(1)} ms (createEvent), ${median(floors.ctor).toFixed(1)} ms (constructor)`);
    results.push({
      stream: stream.name,
      url: `/bench?n=${stream.n}&${stream.query}`,
      events: stream.n,
      bytes,
      clients: Object.fromEntries(Object.entries(times).map(([c, ms]) => [c, summary(ms, stream.n, bytes)])),
      floor: summary(floors.create, stream.n),
      floorConstructor: summary(floors.ctor, stream.n),
    });
  }
  return results;
}

/** Latency from the server's write to the listener, on one event per ms. */
function latencyRun(name, n) {
  const Ctor = CLIENTS[name];
  return new Promise((resolve, reject) => {
    const lat = [];
    const es = new Ctor(`/tick?n=${n}&interval=1`);
    const timer = setTimeout(() => {
      es.close();
      reject(new Error(`${name}: latency run timed out after ${lat.length} events`));
    }, 60_000);
    es.onmessage = (e) => {
      lat.push(performance.timeOrigin + performance.now() - Number(e.data));
      if (lat.length === n) {
        clearTimeout(timer);
        es.close();
        resolve(lat);
      }
    };
  });
}

async function latency() {
  const n = 3000;
  const out = {};
  for (const name of Object.keys(CLIENTS)) {
    const all = [];
    for (let r = 0; r < 2; r++) {
      await rest(200);
      // The first 200 events are warm-up.
      all.push(...(await latencyRun(name, n)).slice(200));
    }
    out[name] = { p50Ms: quantile(all, 0.5), p99Ms: quantile(all, 0.99), events: all.length };
    print(`latency ${name.padEnd(22)} p50 ${out[name].p50Ms.toFixed(3)} ms  p99 ${out[name].p99Ms.toFixed(3)} ms`);
  }
  return out;
}

/** Milliseconds from `new X(url)` to `open`. */
function openTime(name, run) {
  const Ctor = CLIENTS[name];
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const es = new Ctor(`/bench?n=1&size=32&run=open-${run}`);
    const timer = setTimeout(() => reject(new Error(`${name}: no open`)), 10_000);
    es.onopen = () => {
      const ms = performance.now() - start;
      clearTimeout(timer);
      es.close();
      resolve(ms);
    };
  });
}

async function opening(cold) {
  const out = {};
  for (const name of Object.keys(CLIENTS)) {
    const warm = [];
    for (let r = 0; r < 15; r++) {
      await rest(30);
      warm.push(await openTime(name, r));
    }
    out[name] = { coldMs: cold[name], warmMedianMs: median(warm) };
    print(`open ${name.padEnd(22)} cold ${cold[name].toFixed(2)} ms  warm ${median(warm).toFixed(2)} ms`);
  }
  return out;
}

/** Posts a mark and waits for run.mjs to have read the CPU time. */
async function mark(what) {
  if (!key) return;
  await fetch(`/_result/${key}-mark-${what}`, { method: 'POST', body: what });
  const res = await fetch(`/_result/${key}-ack-${what}?timeout=30000`);
  if (!res.ok) throw new Error(`no ack for ${what}`);
}

async function cpu() {
  const stream = STREAMS[1];
  const marked = [];
  for (const name of Object.keys(CLIENTS)) {
    await rest(300);
    await mark(`begin-${name}`);
    await once(name, stream, 'cpu');
    await mark(`end-${name}`);
    marked.push(name);
  }
  if (key) await fetch(`/_result/${key}-mark-done`, { method: 'POST', body: 'done' });
  return { stream: stream.name, events: stream.n, clients: marked };
}

async function main() {
  if (typeof globalThis.EventSourcePolyfill !== 'function') throw new Error('event-source-polyfill did not load');
  await ready;
  // Cold: the first source of each client in this page.
  const cold = {};
  for (const name of Object.keys(CLIENTS)) cold[name] = await openTime(name, 'cold');
  clear();
  const results = await throughput();
  const open = await opening(cold);
  const lat = await latency();
  const cpuRun = await cpu();
  return {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    runs,
    results,
    latency: lat,
    open,
    cpu: cpuRun,
  };
}

run(main);
