// Shared harness for the browser tests: starts the scripted SSE test server
// (tests/server) on a free 127.0.0.1 port and a headless Chromium driven by
// playwright-core, and gives each test a fresh page that has loaded both
// pkg/index.js (as window.WasmEventSource) and the native EventSource.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

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

/** Start the test server; resolves to { base, port, stop() }. */
export async function startServer(extraArgs = []) {
  const bin = join(root, 'target/release/sse-test-server');
  const child = spawn(
    bin,
    ['--root', 'www', '--root', 'pkg=pkg', '--root', 'tests=tests/browser', '--exit-on-stdin-eof', ...extraArgs],
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

/** Launch headless Chromium (Debian's), with the flags this machine needs. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
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

let counter = 0;
/** A name no other test uses. */
export function unique(prefix = 's') {
  counter += 1;
  return `${prefix}${process.pid}x${counter}`;
}

/**
 * One server and one browser for a whole test file. `ctx.page()` opens a
 * page at the test page, where window.WasmEventSource is ours and
 * window.NativeEventSource the browser's.
 */
export function setup(t) {
  const ctx = {};
  t.before(async () => {
    ctx.server = await startServer();
    ctx.base = ctx.server.base;
    ctx.browser = await launchBrowser();
    ctx.errors = [];
  });
  t.after(async () => {
    await ctx.browser?.close();
    await ctx.server?.stop();
  });
  ctx.page = async (path = '/tests/page.html') => {
    const context = await ctx.browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (e) => ctx.errors.push(e));
    await page.goto(`${ctx.base}${path}`);
    await page.waitForFunction(() => window.ready === true);
    return page;
  };
  return ctx;
}
