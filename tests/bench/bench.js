// The browser half of `make bench-browser`: reads /bench streams through the
// browser's EventSource and through ours, in the same page, and posts the
// timings to the test server's /_result/{key}, where run.mjs picks them up.
//
// Query parameters: key (where to post; without it nothing is posted),
// runs (measured runs per client and stream, default 5).
import { EventSource as WasmEventSource, ready } from '/pkg/index.js';

const NativeEventSource = globalThis.EventSource;
const params = new URLSearchParams(location.search);
const key = params.get('key');
const runs = Math.max(1, Number(params.get('runs') || 5));
const TIMEOUT_MS = 120_000;

/** The streams measured; `ids` marks events that carry `id: N`. */
const STREAMS = [
  { name: '32 B events', n: 200_000, query: 'size=32&chunk=1460', ids: false },
  { name: '110 B events with id', n: 100_000, query: 'size=110&id=1&chunk=1460', ids: true },
];
const CLIENTS = { native: NativeEventSource, ours: WasmEventSource };

const out = document.getElementById('out');
const print = (line) => {
  out.textContent += line + '\n';
};

/**
 * One run: open a source on the stream, count `message` events until the
 * last one, close. Resolves to the milliseconds from construction to the
 * last event. The listener only counts, so the clients' cost is measured,
 * not the page's.
 */
function once(Ctor, stream, run) {
  const url = `/bench?n=${stream.n}&${stream.query}&run=${run}`;
  return new Promise((resolve, reject) => {
    let count = 0;
    const start = performance.now();
    const es = new Ctor(url);
    const fail = (why) => {
      es.close();
      clearTimeout(timer);
      reject(new Error(`${Ctor === NativeEventSource ? 'native' : 'ours'} on ${url}: ${why} after ${count} events`));
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
    es.onerror = (e) => fail(`error event (${e.message || 'readyState ' + es.readyState})`);
  });
}

/**
 * The floor under any EventSource written in JS: constructing and
 * dispatching one MessageEvent per event of `stream` from script, on an
 * EventTarget with one listener, with no network, no parsing and the
 * strings made beforehand. Resolves to milliseconds.
 */
function dispatchFloor(stream, datas) {
  class Target extends EventTarget {}
  const target = new Target();
  let count = 0;
  target.addEventListener('message', () => {
    count += 1;
  });
  const origin = location.origin;
  const start = performance.now();
  for (let i = 0; i < stream.n; i++) {
    const lastEventId = stream.ids ? String(i) : '';
    target.dispatchEvent(new MessageEvent('message', { data: datas[i], origin, lastEventId }));
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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main() {
  await ready;
  out.textContent = '';
  const results = [];
  for (const stream of STREAMS) {
    const head = await fetch(`/bench?n=${stream.n}&${stream.query}`, { method: 'HEAD' });
    const bytes = Number(head.headers.get('x-bench-bytes'));
    const times = { native: [], ours: [], floor: [] };
    // Warm-up: the first run of each pays for JIT, wasm tier-up and the
    // server building its cached body.
    for (const name of ['native', 'ours']) {
      const ms = await once(CLIENTS[name], stream, 'warm');
      print(`${stream.name}  warm-up ${name.padEnd(6)} ${ms.toFixed(1)} ms`);
    }
    for (let r = 0; r < runs; r++) {
      // Alternate who goes first, so neither always runs on a warmer page.
      const order = r % 2 ? ['ours', 'native'] : ['native', 'ours'];
      for (const name of order) {
        await sleep(150);
        const ms = await once(CLIENTS[name], stream, r);
        times[name].push(ms);
        print(`${stream.name}  run ${r + 1} ${name.padEnd(6)} ${ms.toFixed(1)} ms  ${Math.round((stream.n / ms) * 1000)} events/s`);
      }
    }
    const summary = (name) => {
      const ms = times[name];
      return {
        runsMs: ms.map((x) => Math.round(x * 10) / 10),
        medianMs: median(ms),
        bestMs: Math.min(...ms),
        eventsPerSecMedian: (stream.n / median(ms)) * 1000,
        eventsPerSecBest: (stream.n / Math.min(...ms)) * 1000,
        mbPerSecMedian: bytes / median(ms) / 1000,
      };
    };
    const datas = streamData(stream);
    dispatchFloor(stream, datas);
    for (let r = 0; r < runs; r++) {
      await sleep(100);
      times.floor.push(dispatchFloor(stream, datas));
    }
    print(`${stream.name}  dispatch floor ${median(times.floor).toFixed(1)} ms (median)`);
    const native = summary('native');
    const ours = summary('ours');
    const floor = summary('floor');
    results.push({
      stream: stream.name,
      url: `/bench?n=${stream.n}&${stream.query}`,
      events: stream.n,
      bytes,
      native,
      ours,
      floor,
      ratioMedian: ours.eventsPerSecMedian / native.eventsPerSecMedian,
      ratioBest: ours.eventsPerSecBest / native.eventsPerSecBest,
    });
  }
  return {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    runs,
    results,
  };
}

async function report(body) {
  if (!key) return;
  await fetch(`/_result/${encodeURIComponent(key)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

main().then(
  async (r) => {
    print('done');
    await report(r);
  },
  async (e) => {
    print(`failed: ${e.stack || e}`);
    await report({ error: String(e && e.message ? e.message : e) });
  }
);
