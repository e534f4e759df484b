// A minimal W3C WebDriver client for the browser tests in engines that
// playwright-core cannot drive: Debian's Firefox ESR (through geckodriver)
// and WebKitGTK's MiniBrowser (through WebKitWebDriver, under an Xvfb
// display the harness starts, since this MiniBrowser has no headless mode).
//
// A `Page` offers the part of Playwright's Page the tests use: `goto`,
// `evaluate(fn, arg)` and `waitForFunction(fn, arg, { timeout, polling })`,
// with Playwright's semantics: `fn` is sent as source text and called with
// `arg` in the page, a returned promise is awaited, and `undefined`, NaN,
// ±Infinity and -0 survive the trip (plain JSON would turn them into null).
//
// A session runs one command at a time, but a page may have several
// evaluations in flight (the tests run native and ours side by side with
// Promise.all): each evaluation starts in the page at once and is then
// awaited in slices of SLICE_MS, so no pending evaluation holds the session.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

const SLICE_MS = 250;

/** Browser-side settings for each WebDriver engine. */
export const WEBDRIVER_ENGINES = {
  firefox: {
    driver: () => process.env.GECKODRIVER || 'geckodriver',
    // Profiles go in a directory of the launch's own, removed when it ends
    // (geckodriver removes them only when it shuts down cleanly).
    args: (port, dir) => ['--host', '127.0.0.1', '--port', String(port), '--profile-root', dir],
    capabilities: () => ({
      browserName: 'firefox',
      'moz:firefoxOptions': {
        binary: process.env.FIREFOX_PATH || '/usr/bin/firefox-esr',
        args: ['-headless'],
        prefs: {
          // Nothing outside loopback is reachable here; do not try.
          'network.captive-portal-service.enabled': false,
          'network.connectivity-service.enabled': false,
          'browser.safebrowsing.update.enabled': false,
          'app.update.disabledForTesting': true,
        },
      },
    }),
  },
  webkit: {
    driver: () => process.env.WEBKIT_WEBDRIVER || 'WebKitWebDriver',
    args: (port) => [`--port=${port}`],
    display: true,
    capabilities: () => ({
      'webkitgtk:browserOptions': {
        binary: process.env.MINIBROWSER_PATH || miniBrowser(),
        args: ['--automation'],
      },
    }),
  },
};

/** WebKitGTK's MiniBrowser (Debian ships it in libwebkit2gtk-4.1-0, under the multiarch directory). */
function miniBrowser() {
  const dirs = readdirSync('/usr/lib').map((d) => `/usr/lib/${d}`);
  const found = [...dirs, '/usr/lib', '/usr/libexec']
    .map((d) => `${d}/webkit2gtk-4.1/MiniBrowser`)
    .find((p) => existsSync(p));
  if (!found) throw new Error('MiniBrowser not found (Debian package libwebkit2gtk-4.1-0; or set MINIBROWSER_PATH)');
  return found;
}

/** A free TCP port on 127.0.0.1. */
async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** Start Xvfb on a free display; resolves to { display, child, stop() }. */
export async function startXvfb() {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  track(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const display = await new Promise((resolve, reject) => {
    let out = '';
    child.stdio[3].on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(`:${out.trim()}`);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${stderr}`)));
  });
  return { display, child, stop: () => stop(child) };
}

// Processes this module started, each the leader of its own process group
// (a driver's browser and the browser's helpers are in it too), ended with
// their groups if the test process exits without closing them (a failed
// `before`, say): killing geckodriver alone would leave its Firefox running.
const children = new Set();
const killGroup = (child, signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
};
const dirs = new Set();
process.once('exit', () => {
  for (const c of children) killGroup(c, 'SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)));
}

function track(child) {
  children.add(child);
  return child;
}

async function stop(child) {
  if (!child) return;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
  // Whatever it started and left behind.
  killGroup(child, 'SIGKILL');
  children.delete(child);
}

/** Encode a value as JSON, keeping what JSON cannot say (undefined, NaN, ±Infinity, -0) as tagged objects. */
const ENCODE = `(value) => JSON.stringify(value, (k, v) =>
  v === undefined ? { __wd$: 'undefined' }
  : typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { __wd$: Object.is(v, -0) ? '-0' : String(v) }
  : v)`;
/** The inverse of ENCODE. */
const DECODE = `(text) => {
  const special = { undefined: undefined, NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };
  const revive = (v) => {
    if (Array.isArray(v)) return v.map(revive);
    if (v === null || typeof v !== 'object') return v;
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '__wd$') return special[v.__wd$];
    const out = {};
    for (const k of keys) out[k] = revive(v[k]);
    return out;
  };
  return revive(JSON.parse(text));
}`;
const encode = (0, eval)(ENCODE);
const decode = (0, eval)(DECODE);

class WebDriverError extends Error {}

/** One WebDriver session: the driver process, the browser, and its windows. */
export class Browser {
  /** Start the driver for `engine` (a key of WEBDRIVER_ENGINES) and open a session. */
  static async launch(engine) {
    const spec = WEBDRIVER_ENGINES[engine];
    if (!spec) throw new Error(`no WebDriver engine ${engine}`);
    const b = new Browser(engine);
    try {
      const env = { ...process.env };
      if (spec.display) {
        b.xvfb = await startXvfb();
        env.DISPLAY = b.xvfb.display;
      }
      const port = await freePort();
      b.dir = mkdtempSync(join(tmpdir(), `wasm-eventsource-${engine}-`));
      dirs.add(b.dir);
      b.url = `http://127.0.0.1:${port}`;
      b.driver = track(
        spawn(spec.driver(), spec.args(port, b.dir), {
          env,
          detached: true,
          stdio: ['ignore', process.env.WEBDRIVER_VERBOSE ? 'inherit' : 'ignore', process.env.WEBDRIVER_VERBOSE ? 'inherit' : 'ignore'],
        })
      );
      const failed = new Promise((_, reject) => {
        b.driver.once('error', reject);
        b.driver.once('exit', (code) => reject(new Error(`${spec.driver()} exited with ${code}`)));
      });
      failed.catch(() => {});
      await Promise.race([b.#waitReady(), failed]);
      const session = await b.#http('POST', '/session', {
        capabilities: { alwaysMatch: { ...spec.capabilities(), timeouts: { script: 60000, pageLoad: 60000 } } },
      });
      b.session = session.sessionId;
      b.capabilities = session.capabilities;
      b.home = await b.#http('GET', `/session/${b.session}/window`);
      b.current = b.home;
      return b;
    } catch (e) {
      await b.close();
      throw e;
    }
  }

  constructor(engine) {
    this.engine = engine;
    this.queue = Promise.resolve();
  }

  /** The browser's name and version as the driver reports them. */
  get version() {
    return `${this.capabilities?.browserName} ${this.capabilities?.browserVersion}`;
  }

  async #waitReady() {
    const deadline = Date.now() + 20000;
    for (;;) {
      try {
        const res = await fetch(`${this.url}/status`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`WebDriver at ${this.url} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async #http(method, path, body) {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      throw new WebDriverError(`${method} ${path}: ${res.status} ${text}`);
    }
    if (!res.ok || (json.value && json.value.error)) {
      const v = json.value || {};
      throw new WebDriverError(`${method} ${path}: ${v.error || res.status}: ${v.message || text}`);
    }
    return json.value;
  }

  /** Run `fn` with the session to itself, in window `handle` (if given). */
  command(handle, fn) {
    const run = this.queue.then(async () => {
      if (handle && this.current !== handle) {
        await this.#http('POST', `/session/${this.session}/window`, { handle });
        this.current = handle;
      }
      return fn((method, path, body) => this.#http(method, `/session/${this.session}${path}`, body));
    });
    this.queue = run.catch(() => {});
    return run;
  }

  /** A new window, as a Page; `viewport` sets its size (the window's, here). */
  async newPage({ viewport } = {}) {
    const { handle } = await this.command(null, (http) => http('POST', '/window/new', { type: 'window' }));
    const page = new Page(this, handle);
    if (viewport) await this.command(handle, (http) => http('POST', '/window/rect', { width: viewport.width, height: viewport.height }));
    return page;
  }

  async close() {
    if (this.session) {
      const session = this.session;
      this.session = null;
      await this.queue;
      await this.#http('DELETE', `/session/${session}`).catch(() => {});
    }
    await stop(this.driver);
    await stop(this.xvfb?.child);
    if (this.dir) {
      rmSync(this.dir, { recursive: true, force: true });
      dirs.delete(this.dir);
    }
  }
}

let evalCounter = 0;

/** One window of a WebDriver Browser, with the Playwright Page methods the tests use. */
export class Page {
  constructor(browser, handle) {
    this.browser = browser;
    this.handle = handle;
    this.closed = false;
  }

  #command(fn) {
    if (this.closed) return Promise.reject(new Error('page is closed'));
    return this.browser.command(this.handle, fn);
  }

  goto(url) {
    return this.#command((http) => http('POST', '/url', { url }));
  }

  /** History back (Playwright's `goBack`); a restore from the back/forward cache fires no `load`. */
  goBack() {
    return this.#command((http) => http('POST', '/back', {}));
  }

  /** Delete the cookies of the current document's site. */
  deleteCookies() {
    return this.#command((http) => http('DELETE', '/cookie'));
  }

  /** Save a PNG of the window's viewport at `path` (WebDriver has no full-page screenshot). */
  async screenshot({ path }) {
    const png = await this.#command((http) => http('GET', '/screenshot'));
    writeFileSync(path, Buffer.from(png, 'base64'));
  }

  /** `fn(arg)` in the page (source text, like Playwright); resolves to its (awaited) result. */
  async evaluate(fn, arg) {
    const src = typeof fn === 'function' ? fn.toString() : `() => (${fn})`;
    const id = `e${process.pid}_${++evalCounter}`;
    // The evaluation runs as a script element's code, so in the page's own
    // realm (Firefox runs WebDriver scripts in a sandbox whose `window`,
    // `Blob` or `onerror` are not the page's), then waits like WAIT below.
    const code = `(() => {
      const wd = (window.__wd ||= { pending: new Map(), encode: ${ENCODE}, decode: ${DECODE} });
      const entry = {};
      wd.pending.set(${JSON.stringify(id)}, entry);
      entry.promise = new Promise((resolve) => resolve((${src})(wd.decode(${JSON.stringify(encode(arg))})))).then(
        (value) => { entry.result = '{"value":' + wd.encode(value) + '}'; },
        (e) => { entry.result = JSON.stringify({ error: { name: e && e.name, message: String(e && e.message !== undefined ? e.message : e), stack: e && e.stack } }); }
      );
    })();`;
    const start = `
      const [id, code, slice] = arguments;
      const done = arguments[arguments.length - 1];
      const script = document.createElement('script');
      script.textContent = code;
      (document.head || document.documentElement).appendChild(script);
      script.remove();
      if (!(window.__wd && window.__wd.pending.has(id))) {
        done(JSON.stringify({ error: { name: 'SyntaxError', message: 'the function did not compile in the page' } }));
        return;
      }
      ${WAIT}`;
    let result = await this.#command((http) =>
      http('POST', '/execute/async', { script: start, args: [id, code, SLICE_MS] })
    );
    while (result === null) {
      result = await this.#command((http) =>
        http('POST', '/execute/async', { script: `const [id, _, slice] = arguments; const done = arguments[arguments.length - 1]; ${WAIT}`, args: [id, null, SLICE_MS] })
      );
    }
    const out = JSON.parse(result);
    if (out.gone) throw new Error('page.evaluate: the page went away (navigated or closed) before the evaluation finished');
    if (out.error) {
      const e = new Error(`page.evaluate: ${out.error.name}: ${out.error.message}\n${out.error.stack ?? ''}`);
      throw e;
    }
    return decode(JSON.stringify(out.value));
  }

  /** Resolves (to true) once `fn(arg)` is truthy in the page (polled every `polling` ms), rejects after `timeout` ms. */
  waitForFunction(fn, arg, { timeout = 30000, polling = 100 } = {}) {
    const src = typeof fn === 'function' ? fn.toString() : `() => (${fn})`;
    return this.evaluate(
      new Function(
        'arg',
        `const [a, timeout, polling] = arg;
         const f = (${src});
         return new Promise((resolve, reject) => {
           const start = performance.now();
           const tick = () => {
             let v;
             try { v = f(a); } catch (e) { return reject(e); }
             if (v) return resolve(true);
             if (performance.now() - start > timeout) {
               // What the page had loaded, to tell a stuck request from a slow page.
               const loaded = performance.getEntriesByType('resource').map((r) => r.name.replace(location.origin, '') + ' ' + Math.round(r.responseEnd) + ' ms');
               return reject(new Error('waitForFunction: timed out after ' + timeout + ' ms; document ' + document.readyState + ', loaded: ' + loaded.join(', ')));
             }
             setTimeout(tick, polling === 'raf' ? 16 : polling);
           };
           tick();
         });`
      ),
      [arg, timeout, polling]
    );
  }

  async close() {
    if (this.closed) return;
    const { browser } = this;
    await this.#command(async (http) => {
      await http('DELETE', '/window');
      // Commands such as New Window need a current window: the first one.
      await http('POST', '/window', { handle: browser.home });
      browser.current = browser.home;
    });
    this.closed = true;
  }
}

// Waits up to `slice` ms for evaluation `id`; answers its result, `null`
// when it is still running, or {gone} when the page lost it.
const WAIT = `{
      const entry = window.__wd && window.__wd.pending.get(id);
      if (!entry) { done('{"gone":true}'); }
      else if (entry.result !== undefined) { window.__wd.pending.delete(id); done(entry.result); }
      else {
        let over = false;
        const timer = setTimeout(() => { over = true; done(null); }, slice);
        entry.promise.then(() => {
          if (over) return;
          clearTimeout(timer);
          window.__wd.pending.delete(id);
          done(entry.result);
        });
      }
    }`;
