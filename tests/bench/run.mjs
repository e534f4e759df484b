// `make bench-browser`: benchmarks in headless Chromium, against the test
// server. Suites (--suite events|streams|all, default all):
//   events   end-to-end throughput of the browser's EventSource and ours on
//            the server's /bench streams (bench.html)
//   streams  EventStreamParser against eventsource-parser, and `for await`
//            over ours against native EventSource (streams.html)
//
// Chromium is spawned directly, not through Playwright or any DevTools
// client: with a DevTools session attached, native EventSource runs ten to
// fifteen times slower (about 50,000 events/s instead of 700,000 here) while
// ours barely changes, which would flatter ours. The page (bench.html) posts
// its results to the server's /_result/{key}; this script long-polls them,
// prints a markdown table and writes target/bench-browser.json.
//
// Usage: node tests/bench/run.mjs [--suite S] [--runs N]   (after `make build` and
// `cargo build --release -p sse-test-server`; `make bench-browser` does both)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, startServer } from '../browser/harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const serverBin = join(root, 'target/release/sse-test-server');
const chromiumBin = process.env.CHROME_PATH || '/usr/bin/chromium';
const outFile = (suite) => join(root, `target/bench-browser-${suite}.json`);
const sizesFile = join(root, 'target/pkg-sizes.json');
const DEADLINE_MS = 15 * 60 * 1000;
const SIZE_TARGET = 12 * 1024;

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const runs = Number(arg('--runs', 9));
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number >= 1');
const suiteArg = arg('--suite', 'all');
const SUITES = ['events', 'streams'];
if (suiteArg !== 'all' && !SUITES.includes(suiteArg)) throw new Error(`--suite must be one of ${SUITES.join(', ')} or all`);
const suites = suiteArg === 'all' ? SUITES : [suiteArg];

for (const [file, hint] of [
  [serverBin, 'cargo build --release -p sse-test-server'],
  [join(root, 'pkg/index.js'), 'make build'],
  [chromiumBin, 'install Chromium or set CHROME_PATH'],
]) {
  if (!existsSync(file)) {
    console.error(`bench-browser: ${file} is missing (${hint})`);
    process.exit(1);
  }
}

function chromiumVersion() {
  try {
    return execFileSync(chromiumBin, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

const loadBefore = loadavg()[0];
if (loadBefore > cpus().length / 2) {
  console.error(`bench-browser: warning: load average ${loadBefore.toFixed(2)} on ${cpus().length} cores; expect noisy numbers`);
}
const server = await startServer(['--root', 'bench=tests/bench', '--root', 'nm=node_modules']);

/**
 * Open `page` in a fresh Chromium (no DevTools client) and wait for the
 * results it posts. `alongside(key, pid)`, if given, runs meanwhile (the
 * CPU-time marks).
 */
async function runPage(page, alongside) {
  const key = `bench-browser-${process.pid}-${Date.now()}`;
  const profile = mkdtempSync(join(tmpdir(), 'bench-chromium-'));
  const url = `${server.base}/bench/${page}?key=${key}&runs=${runs}`;
  console.error(`bench-browser: ${url}`);
  // Its own process group, so the renderer and GPU helpers go with it.
  const chromium = spawn(chromiumBin, [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, url], {
    detached: true,
    stdio: 'ignore',
  });
  let chromiumExit = null;
  chromium.once('exit', (code, signal) => (chromiumExit = signal || code));
  const stop = () => {
    if (chromiumExit === null) {
      try {
        process.kill(-chromium.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
  };
  process.once('SIGINT', () => {
    stop();
    server.stop();
    process.exit(130);
  });
  let result;
  const side = alongside?.(key, chromium.pid);
  try {
    const started = Date.now();
    while (!result) {
      if (chromiumExit !== null) throw new Error(`Chromium exited (${chromiumExit}) before posting results`);
      if (Date.now() - started > DEADLINE_MS) throw new Error(`no results within ${DEADLINE_MS / 60000} minutes`);
      const res = await fetch(`${server.base}/_result/${key}?timeout=30000`);
      if (res.status === 200) result = await res.json();
      else await res.text();
    }
  } finally {
    stop();
    if (chromiumExit === null) await new Promise((r) => chromium.once('exit', r));
    rmSync(profile, { recursive: true, force: true });
  }
  if (result.error) throw new Error(`the page failed: ${result.error}`);
  if (side) result.cpuTimes = await side;
  return result;
}

/** Clock ticks of CPU time (user + system) of the processes under `pid` whose command line has `--type=renderer`. */
function rendererTicks(pid) {
  const children = (p) => {
    try {
      return readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  let ticks = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    stack.push(...children(p));
    try {
      if (!readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone meanwhile.
    }
  }
  return ticks;
}

const CPU_CLIENTS = ['native', 'ours', 'eventsource v4', 'event-source-polyfill'];
const CLOCK_TICKS_PER_SEC = 100;

/** Answers the page's CPU marks: the renderer's CPU time at the begin and end of each client's run. */
async function cpuMarks(key, pid) {
  const wait = async (what) => {
    for (;;) {
      const res = await fetch(`${server.base}/_result/${key}-mark-${what}?timeout=30000`);
      if (res.status === 200) return res.text();
      await res.text();
    }
  };
  const ack = (what) => fetch(`${server.base}/_result/${key}-ack-${what}`, { method: 'POST', body: 'ok' });
  const times = {};
  for (const name of CPU_CLIENTS) {
    await wait(`begin-${name}`);
    const begin = rendererTicks(pid);
    await ack(`begin-${name}`);
    await wait(`end-${name}`);
    times[name] = (rendererTicks(pid) - begin) / CLOCK_TICKS_PER_SEC;
    await ack(`end-${name}`);
  }
  return times;
}

const machine = () => ({
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  chromium: chromiumVersion(),
  loadAverage1mBefore: loadBefore,
  loadAverage1mAfter: loadavg()[0],
});
const int = (x) => Math.round(x).toLocaleString('en-US');
const sections = [];
try {
  for (const suite of suites) {
    const result = suite === 'events' ? await runPage('bench.html', cpuMarks) : await runPage('streams.html');
    const report = { date: new Date().toISOString(), command: `make bench-browser (--suite ${suite})`, machine: machine(), ...result };
    writeFileSync(outFile(suite), JSON.stringify(report, null, 2) + '\n');
    sections.push(suite === 'events' ? formatEvents(result, report.machine) : formatStreams(result, report.machine));
  }
} catch (e) {
  console.error(`bench-browser: ${e.message}`);
  process.exitCode = 1;
} finally {
  await server.stop();
}
console.log(sections.join('\n\n'));

function formatStreams(result, m) {
  const lines = [
    `Headless ${m.chromium.replace(/ built on.*/, '')}, ${m.cores} cores (${m.cpu}); best of ${result.runs} runs after a warm-up (median in parentheses); load average ${m.loadAverage1mBefore.toFixed(2)} before, ${m.loadAverage1mAfter.toFixed(2)} after.`,
    '',
    `Parser only (bytes from memory in ${result.chunk}-byte chunks):`,
    '',
    '| workload | events | EventStreamParser events/s | eventsource-parser events/s | ours / theirs | target | stream floor events/s |',
    '|---|--:|--:|--:|--:|---|--:|',
  ];
  const base8 = result.parser.find((p) => p.mib === 8);
  for (const p of result.parser) {
    const ratio = p.ours.eventsPerSecBest / p['eventsource-parser'].eventsPerSecBest;
    const target = p.mib
      ? `linear: ${(p.ours.bestMs / base8.ours.bestMs).toFixed(2)} of the 8 MiB time for ${p.mib / 8} of the size`
      : ratio >= 1.5
        ? '≥ 1.5×: met'
        : '≥ 1.5×: **missed**';
    const rate = (r) => (p.mib ? `${int(r.mbPerSecBest)} MB/s` : `${int(r.eventsPerSecBest)} (${int(r.eventsPerSecMedian)})`);
    lines.push(
      `| ${p.workload} | ${int(p.events)} | ${rate(p.ours)} | ${rate(p['eventsource-parser'])} | **${ratio.toFixed(2)}×** | ${target} | ${p.mib ? '' : rate(p['stream floor'])} |`
    );
  }
  lines.push(
    '',
    'Stream floor: the same number of events, made beforehand, enqueued by a TransformStream chunk by chunk and read one by one: what any parser exposed as a TransformStream of events pays without parsing anything.',
    '',
    'Consumption over the network (the scripted test server, 16 KiB frames): `for await` over ours against native EventSource with one listener:',
    '',
    '| workload | events | native events/s | ours (for await) events/s | ours / native | target ≥ 2× |',
    '|---|--:|--:|--:|--:|---|'
  );
  for (const c of result.consumption) {
    const ours = c['ours (for await)'];
    const ratio = ours.eventsPerSecBest / c.native.eventsPerSecBest;
    lines.push(
      `| ${c.workload} | ${int(c.events)} | ${int(c.native.eventsPerSecBest)} (${int(c.native.eventsPerSecMedian)}) | ${int(ours.eventsPerSecBest)} (${int(ours.eventsPerSecMedian)}) | **${ratio.toFixed(2)}×** | ${ratio >= 2 ? 'met' : '**missed**'} |`
    );
  }
  return lines.join('\n');
}

function formatEvents(result, m) {
  const sizes = existsSync(sizesFile) ? JSON.parse(readFileSync(sizesFile, 'utf8')) : null;
  const clients = Object.keys(result.results[0].clients);
  const best = (r, c) => r.clients[c].eventsPerSecBest;
  const lines = [
    `Headless ${m.chromium.replace(/ built on.*/, '')}, ${m.cores} cores (${m.cpu}); best of ${result.runs} runs after a warm-up (median in parentheses); load average ${m.loadAverage1mBefore.toFixed(2)} before, ${m.loadAverage1mAfter.toFixed(2)} after.`,
    '',
    `| stream (1460-byte chunks) | ${clients.map((c) => `${c} events/s`).join(' | ')} | dispatch floor events/s |`,
    `|---|${clients.map(() => '--:').join('|')}|--:|`,
  ];
  for (const r of result.results) {
    const cells = clients.map((c) => {
      const ratio = c === 'native' ? '' : ` **${(best(r, c) / best(r, 'native')).toFixed(2)}×**`;
      return `${int(best(r, c))} (${int(r.clients[c].eventsPerSecMedian)})${ratio}`;
    });
    lines.push(
      `| ${int(r.events)} × ${r.stream} | ${cells.join(' | ')} | ${int(r.floor.eventsPerSecBest)} **${(r.floor.eventsPerSecBest / best(r, 'native')).toFixed(2)}×** |`
    );
  }
  lines.push('', 'Our cost per event above the dispatch floor (best runs): ' +
    result.results
      .map((r) => `${r.stream} ${((1e6 / best(r, 'ours')) - (1e6 / r.floor.eventsPerSecBest)).toFixed(2)} µs`)
      .join(', ') + '.');
  lines.push(
    '',
    'Dispatch floor: the same events built with `document.createEvent(\'MessageEvent\')` + `initMessageEvent(...)` ' +
      'and dispatched from script on an EventTarget with one listener, strings made beforehand, no network and no ' +
      'parsing (the cheapest faithful way, which ours uses; the constructor with a dictionary floors at ' +
      result.results.map((r) => `${int(r.floorConstructor.eventsPerSecBest)}`).join(' / ') + ' events/s).',
    '',
    '| | ' + clients.join(' | ') + ' |',
    '|---|' + clients.map(() => '--:').join('|') + '|',
    '| latency p50 (ms), 1 event/ms | ' + clients.map((c) => result.latency[c].p50Ms.toFixed(3)).join(' | ') + ' |',
    '| latency p99 (ms) | ' + clients.map((c) => result.latency[c].p99Ms.toFixed(3)).join(' | ') + ' |',
    '| `new` → `open`, cold (ms) | ' + clients.map((c) => result.open[c].coldMs.toFixed(2)).join(' | ') + ' |',
    '| `new` → `open`, warm median (ms) | ' + clients.map((c) => result.open[c].warmMedianMs.toFixed(2)).join(' | ') + ' |'
  );
  if (result.cpuTimes) {
    lines.push(
      `| renderer CPU per event, ${result.cpu.stream} (µs) | ` +
        clients.map((c) => ((result.cpuTimes[c] * 1e6) / result.cpu.events).toFixed(2)).join(' | ') +
        ' |'
    );
  }
  if (sizes) {
    const kb = (b) => (b / 1024).toFixed(1);
    lines.push(
      '',
      `pkg/ npm entry (the JS and wasm a page downloads): ${int(sizes.npmEntryGzip)} B gzipped ` +
        `(${kb(sizes.npmEntryGzip)} KB; target ≤ ${kb(SIZE_TARGET)} KB), wasm ${int(sizes.wasmGzip)} B + JS ${int(sizes.npmEntryGzip - sizes.wasmGzip)} B; ` +
        `script-tag bundle ${int(sizes.scriptTagGzip)} B gzipped.`
    );
  }
  return lines.join('\n');
}
