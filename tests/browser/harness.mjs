// Shared harness for the browser tests: starts the scripted SSE test server
// (tests/server) on a free 127.0.0.1 port and a browser, and gives each test
// a fresh page that has loaded both pkg/index.js (as window.WasmEventSource)
// and the native EventSource.
//
// The engine is TEST_BROWSER=chromium|firefox|webkit (default chromium; not
// BROWSER, which desktops set to a command):
// Chromium is Debian's, driven by playwright-core; Firefox ESR (geckodriver)
// and WebKitGTK's MiniBrowser (WebKitWebDriver, on an Xvfb display) are
// driven over WebDriver (webdriver.mjs), because playwright-core can drive
// only its own builds of those. Tests see the same page API in all three.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { Browser as WebDriverBrowser, WEBDRIVER_ENGINES } from './webdriver.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The engines the suite runs in. */
export const ENGINES = ['chromium', 'firefox', 'webkit'];
/** The engine this run tests: TEST_BROWSER=chromium|firefox|webkit. */
export const ENGINE = process.env.TEST_BROWSER || 'chromium';
if (!ENGINES.includes(ENGINE)) throw new Error(`TEST_BROWSER=${ENGINE}: expected one of ${ENGINES.join(', ')}`);

/**
 * Where this engine's NATIVE EventSource deviates from the standard: the
 * note for ENGINE in `notes` (engine → what native does instead), or
 * undefined. A test that gets a note checks native against what it does
 * and ours against the standard, and says so in its assertion messages.
 */
export function nativeDeviation(notes) {
  return notes[ENGINE];
}

/** Start the test server; resolves to { base, port, stop() }. */
export async function startServer(extraArgs = []) {
  const bin = join(root, 'target/release/sse-test-server');
  const child = spawn(
    bin,
    ['--root', 'www', '--root', 'pkg=pkg', '--root', 'tests=tests/browser', '--root', 'rust-app=examples/rust-app', '--exit-on-stdin-eof', ...extraArgs],
    { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] }
  );
  const base = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (line) => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (m) resolve(m[1]);
      else reject(new Error(`unexpected server output: ${line}`));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const port = Number(new URL(base).port);
  return {
    base,
    port,
    async stop() {
      child.stdin.end();
      child.kill();
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    },
  };
}

/**
 * Launch headless Chromium (Debian's) with playwright-core, with the flags
 * this machine needs. `bfcache`: keep Chromium's back/forward cache on
 * (Playwright switches it off by default).
 */
export async function launchBrowser({ bfcache = false } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    ignoreDefaultArgs: bfcache ? ['--disable-back-forward-cache'] : [],
  });
}

/**
 * Open `engine`; resolves to { version, newPage({ viewport }), close() },
 * where a page has goto, evaluate(fn, arg), waitForFunction(fn, arg, opts),
 * screenshot({ path }) and close() (Playwright's Page in Chromium,
 * webdriver.mjs's Page elsewhere). A Chromium
 * page gets its own browser context; a WebDriver page is a new window of
 * the one session, so openPage below clears cookies instead.
 */
export async function openBrowser(engine = ENGINE, { bfcache = false } = {}) {
  if (engine === 'chromium') {
    const browser = await launchBrowser({ bfcache });
    return {
      engine,
      version: `chromium ${browser.version()}`,
      async newPage(options) {
        const context = await browser.newContext(options);
        const page = await context.newPage();
        page.close = () => context.close();
        return page;
      },
      close: () => browser.close(),
    };
  }
  if (!WEBDRIVER_ENGINES[engine]) throw new Error(`unknown engine ${engine}`);
  return WebDriverBrowser.launch(engine);
}

/** Script responses for `/sse/{name}`. */
export async function script(base, name, spec) {
  const res = await fetch(`${base}/_script/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });
  if (!res.ok) throw new Error(`script ${name}: ${res.status} ${await res.text()}`);
}

/** Wait until `count` requests to `/sse/{name}` were recorded; returns them all. */
export async function waitRequests(base, name, count, timeout = 10000) {
  const res = await fetch(`${base}/_wait/${name}?count=${count}&timeout=${timeout}`);
  return res.json();
}

/** Recorded requests to `/sse/{name}`. */
export async function requests(base, name) {
  return (await fetch(`${base}/_requests/${name}`)).json();
}

/** Connections of `/sse/{name}` the client went away from before the body ended. */
export async function closedCount(base, name) {
  return Number(await (await fetch(`${base}/_closed/${name}`)).text());
}

/** Bytes of a UTF-8 string, for `bytes` script steps. */
export const utf8 = (s) => [...Buffer.from(s, 'utf8')];
/** Script body steps: a string is sent as is, a number is a delay in ms, an array is raw bytes. */
export const steps = (items) =>
  items.map((x) => (typeof x === 'number' ? { delay: x } : Array.isArray(x) ? { bytes: x } : { data: x }));
/** A scripted response that sends `items`, then keeps the connection open. */
export const stall = (...items) => ({ body: steps(items), end: 'stall' });
/** A scripted response that sends `items`, then ends the body normally. */
export const closeAfter = (...items) => ({ body: steps(items) });
/** A script of one response, repeated for every request. */
export const only = (response) => ({ responses: [response] });

let counter = 0;
/** A name no other test uses. */
export function unique(prefix = 's') {
  counter += 1;
  return `${prefix}${process.pid}x${counter}`;
}

/**
 * One server and one browser (ENGINE) for a whole test file. `ctx.page()`
 * opens a page at the test page, where window.WasmEventSource is ours and
 * window.NativeEventSource the browser's. `ctx.page(path, { html })` first
 * writes `html` to `path`, which must be under `/gen/` (a directory of this
 * run's own, served by the test server), for pages that exist only for one
 * test; `{ routes: { path: body } }` writes more files there (a worker
 * script, say; the server picks the content type from the extension).
 * Each page starts without cookies; pages are closed after each test.
 */
export function setup(t, options = {}) {
  const ctx = { pages: [], engine: ENGINE };
  const gen = join(root, 'target/browser-pages', `${ENGINE}-${process.pid}`);
  t.before(async () => {
    rmSync(gen, { recursive: true, force: true });
    mkdirSync(gen, { recursive: true });
    ctx.server = await startServer(['--root', `gen=${gen}`]);
    ctx.base = ctx.server.base;
    ctx.port = ctx.server.port;
    ctx.browser = await openBrowser(ENGINE, options);
  });
  t.afterEach(async () => {
    for (const p of ctx.pages.splice(0)) await p.close().catch(() => {});
  });
  t.after(async () => {
    await ctx.browser?.close();
    await ctx.server?.stop();
    rmSync(gen, { recursive: true, force: true });
  });
  ctx.page = async (path = '/tests/page.html', { html, routes = {}, wait = html === undefined } = {}) => {
    if (html !== undefined) routes = { ...routes, [path]: html };
    for (const [p, body] of Object.entries(routes)) {
      if (!p.startsWith('/gen/')) throw new Error(`ctx.page: ${p} must be under /gen/`);
      const file = join(gen, p.slice('/gen/'.length));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, body);
    }
    const page = await ctx.browser.newPage();
    ctx.pages.push(page);
    await page.goto(`${ctx.base}${path}`);
    if (page.deleteCookies) await page.deleteCookies();
    if (wait) {
      const failed = (why) => async (e) => {
        // Say what the page had loaded, to tell a stuck request from a slow page.
        const state = await page
          .evaluate(() => ({
            readyState: document.readyState,
            ours: typeof window.WasmEventSource,
            readyError: window.readyError,
            loaded: performance.getEntriesByType('resource').map((r) => `${r.name.replace(location.origin, '')} ${Math.round(r.responseEnd)} ms`),
          }))
          .catch((err) => String(err));
        throw new Error(`${path} did not get ready: ${why ?? e.message.split('\n')[0]}; page: ${JSON.stringify(state)}`);
      };
      await page
        .waitForFunction(() => window.ready === true || window.readyError !== undefined, undefined, { timeout: 20000 })
        .catch(failed());
      if (await page.evaluate(() => window.readyError !== undefined)) await failed('`ready` rejected')();
    }
    return page;
  };
  return ctx;
}

/** The test page's HTML (tests/browser/page.html) with `extra` inserted into its head. */
export function testPageHtml(extra = '') {
  const html = readFileSync(join(root, 'tests/browser/page.html'), 'utf8');
  return html.replace('<meta charset="utf-8">', `<meta charset="utf-8">\n${extra}`);
}

/**
 * Wait until `count` requests to `/sse/{name}` were recorded or `timeout`
 * ms passed; resolves to whether the count was reached. For checking that
 * something does NOT happen: `assert.equal(await reached(base, n, 2, 500), false)`.
 */
export async function reached(base, name, count, timeout) {
  const res = await fetch(`${base}/_wait/${name}?count=${count}&timeout=${timeout}`);
  await res.arrayBuffer();
  return res.headers.get('x-wait-reached') === 'true';
}

/** Wait until `/_closed/{name}` reaches `count` (or `timeout` ms pass); resolves to the count. */
export async function waitClosed(base, name, count, timeout = 10000) {
  return Number(await (await fetch(`${base}/_closed/${name}?count=${count}&timeout=${timeout}`)).text());
}

/**
 * Resolves to the value of `check()` (which may return a promise, e.g. a
 * `page.evaluate`) once it is truthy, checking every `interval` ms; rejects
 * after `timeout` ms with an error that says what was awaited (`what`) and
 * what `check` returned last. The timeout is a deadline for something
 * that should happen, not a wait: generous, because the suite runs on busy
 * machines. (In a page, page-helpers.js has the same `waitFor`.)
 */
export async function waitFor(check, { timeout = 10000, interval = 20, what = String(check) } = {}) {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - start > timeout) throw new Error(`waited ${timeout} ms for ${what}; last saw ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Milliseconds between consecutive recorded requests (server clock). */
export function gaps(reqs) {
  return reqs.slice(1).map((r, i) => r.time_ms - reqs[i].time_ms);
}

/** A recorded log without what only ours adds (error details) or what varies (time). */
export function standardView(log) {
  return log.map(({ t, reason, attempt, willRetry, retryDelay, status, message, ...rest }) => rest);
}

/**
 * Run one scenario through both classes, in parallel on `page`: `spec` is
 * scripted as `/sse/{name}-native` and `/sse/{name}-wasm`, each class
 * records its own (see page-helpers.js `record`, which gets the remaining
 * options: until, timeout, types, constructed). `url(name)` builds the URL
 * from the scenario name (default `/sse/{name}`), so cross-origin variants
 * can point elsewhere. Resolves to { native, wasm, nativeReqs, wasmReqs }
 * where the logs are full (use standardView to compare them).
 */
export async function both(ctx, page, name, spec, { init, url = (n) => `/sse/${n}`, base = ctx.base, ...opts } = {}) {
  const names = { native: `${name}-native`, wasm: `${name}-wasm` };
  await Promise.all(Object.values(names).map((n) => script(base, n, spec)));
  const logs = await page.evaluate(
    ([urls, init, opts]) =>
      Promise.all([
        record(NativeEventSource, urls.native, init, opts),
        record(WasmEventSource, urls.wasm, init, opts),
      ]),
    [{ native: url(names.native), wasm: url(names.wasm) }, init, opts]
  );
  const [nativeReqs, wasmReqs] = await Promise.all([requests(base, names.native), requests(base, names.wasm)]);
  return { native: logs[0], wasm: logs[1], nativeReqs, wasmReqs, names };
}
