// `shared`: one connection for every tab of an origin, over HTTP/1.1 (six
// connections per host), in every engine of the suite. The tabs of one
// browser profile are the pages of one browser context in Chromium, and the
// windows of one WebDriver session (a browser of its own) in Firefox and
// WebKit. Each scenario runs on both paths: the connection in a
// SharedWorker, and the fallback where SharedWorker does not exist (a tab
// elected with Web Locks relays over BroadcastChannel). The streams are the
// test server's resumable counters (`id: N` / `data: N`, resumed after
// Last-Event-ID), so a lost or repeated event shows as a gap or a repeat.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, launchBrowser, openBrowser, reached, script, startServer, unique, waitFor as until } from './harness.mjs';

const PATHS = {
  'SharedWorker': false,
  'fallback (Web Locks + BroadcastChannel)': true,
};

describe('shared: one connection for every tab', () => {
  let server;
  let chromium;
  before(async () => {
    server = await startServer();
    if (ENGINE === 'chromium') chromium = await launchBrowser();
  });
  after(async () => {
    await chromium?.close();
    await server?.stop();
  });

  /**
   * A browser profile (its tabs share an origin's SharedWorker, locks and
   * channels) and a way to open test pages (`path`) in it; `noSharedWorker`
   * opens them as if SharedWorker did not exist.
   */
  async function profile({ noSharedWorker, path = '/tests/page.html' }) {
    let context;
    if (chromium) {
      context = await chromium.newContext();
    } else {
      const session = await openBrowser(ENGINE);
      context = { newPage: () => session.newPage(), close: () => session.close() };
    }
    const open = async () => {
      const page = await context.newPage();
      await page.goto(`${server.base}${path}${noSharedWorker ? '?no-shared-worker' : ''}`);
      await page.waitForFunction(() => window.ready === true, undefined, { timeout: 20000 });
      return page;
    };
    return { context, open };
  }

  /** In `page`: a source on `url` with `init`, logging events to window.log[key]. */
  const listen = (page, url, init, key = 'main') =>
    page.evaluate(
      ({ url, init, key }) => {
        window.sources ??= {};
        window.log ??= {};
        const log = (window.log[key] = []);
        const es = (window.sources[key] = new WasmEventSource(url, init));
        es.onopen = () => log.push('open');
        es.onmessage = (e) => log.push(Number(e.data));
        es.onerror = (e) => log.push(`error ${es.readyState} ${e.reason}`);
      },
      { url, init, key }
    );
  const logOf = (page, key = 'main') => page.evaluate((key) => window.log[key], key);
  const numbers = (log) => log.filter((x) => typeof x === 'number');
  /** Consecutive integers, no repeat, no gap. */
  const assertRun = (log, who) => {
    const ns = numbers(log);
    assert.ok(ns.length > 0, `${who}: no events`);
    ns.forEach((n, i) => assert.equal(n, ns[0] + i, `${who}: event ${i} is ${n} after ${ns[i - 1]} (${ns.slice(0, 40)})`));
  };
  /** A tab's client id, as Web Locks report it: from a lock of its own. */
  const clientId = (page) =>
    page.evaluate(async () => {
      const me = `me-${Math.random()}`;
      return navigator.locks.request(me, async () => (await navigator.locks.query()).held.find((l) => l.name === me).clientId);
    });
  /** The client id of whoever holds a shared stream's connection. */
  const holderClient = (page) =>
    page.evaluate(async () => (await navigator.locks.query()).held.find((l) => l.name.startsWith('wasm-eventsource-holder:'))?.clientId);
  /** The tab among `pages` that holds a shared stream's connection (fallback path). */
  const holderPage = async (pages) => {
    let found;
    await waitFor('a tab holds the stream', async () => {
      const holder = await holderClient(pages[0]);
      if (!holder) return false;
      const ids = await Promise.all(pages.map((p) => clientId(p)));
      found = pages[ids.indexOf(holder)];
      return found !== undefined;
    });
    return found;
  };
  const attempts = async (name) =>
    (await (await fetch(`${server.base}/_requests/${name}?kind=attempts`)).json()).filter((r) => r.method === 'GET');
  const waitFor = (what, check, timeout = 15000) => until(check, { what, timeout, interval: 50 });

  for (const [label, noSharedWorker] of Object.entries(PATHS)) {
    it(`${label}: eight tabs share one connection and all get every event; unshared, the seventh tab stalls`, async () => {
      const name = unique('share8');
      await script(server.base, name, { responses: [{ body: [{ count: { interval: 15 } }], end: 'stall' }] });
      const { context, open } = await profile({ noSharedWorker });
      try {
        const pages = [];
        for (let i = 0; i < 8; i++) {
          const page = await open();
          await listen(page, `/sse/${name}`, { shared: true });
          pages.push(page);
        }
        await waitFor('40 events in every tab', async () => {
          const logs = await Promise.all(pages.map((p) => logOf(p)));
          return logs.every((l) => numbers(l).length >= 40);
        });
        assert.equal((await attempts(name)).length, 1, 'the server saw one connection');
        const logs = await Promise.all(pages.map((p) => logOf(p)));
        logs.forEach((log, i) => {
          assert.equal(log[0], 'open', `tab ${i} fired open first`);
          assertRun(log, `tab ${i}`);
        });
      } finally {
        await context.close();
      }

      // Without `shared`, each tab takes one of the host's six connections.
      const plain = unique('unshared');
      await script(server.base, plain, { responses: [{ body: [{ count: { interval: 15 } }], end: 'stall' }] });
      const unshared = await profile({ noSharedWorker });
      try {
        // Every tab loads first: once six streams hold the connections, not
        // even a page can load from this host.
        const pages = [];
        for (let i = 0; i < 7; i++) pages.push(await unshared.open());
        for (const page of pages) await listen(page, `/sse/${plain}`, {});
        await waitFor('six connections', async () => (await attempts(plain)).length >= 6);
        // Negative check: the seventh request may not reach the server within 1.5 s.
        assert.equal(await reached(server.base, plain, 7, 1500), false, 'the seventh request never reached the server');
        assert.equal((await attempts(plain)).length, 6, 'six requests');
        assert.deepEqual(await logOf(pages[6]), [], 'the seventh tab is still connecting');
        assert.ok(numbers(await logOf(pages[5])).length > 0, 'the sixth tab streams');
      } finally {
        await unshared.context.close();
      }
    });

    it(`${label}: the holder closes mid-stream three times in a row: no event lost or repeated in any remaining tab`, async () => {
      const name = unique('handover');
      await script(server.base, name, { responses: [{ body: [{ count: { interval: 10 } }], end: 'stall' }] });
      const { context, open } = await profile({ noSharedWorker });
      try {
        const pages = [];
        for (let i = 0; i < 5; i++) {
          const page = await open();
          await listen(page, `/sse/${name}`, { shared: true });
          pages.push(page);
        }
        for (let round = 0; round < 3; round++) {
          await waitFor(`events before close ${round}`, async () => numbers(await logOf(pages[pages.length - 1])).length >= 20 * (round + 1));
          // On the fallback path, close the tab that holds the connection:
          // usually the one that asked first, but the lock goes to whichever
          // context asked first, and a tab asks only once its shared chunk
          // has loaded. With a SharedWorker the worker holds it, and closing
          // the oldest tab changes nothing.
          const holder = noSharedWorker ? await holderPage(pages) : pages[0];
          pages.splice(pages.indexOf(holder), 1);
          await holder.close();
        }
        const before = await Promise.all(pages.map(async (p) => numbers(await logOf(p)).length));
        await waitFor('events after the last hand-over', async () => {
          const now = await Promise.all(pages.map(async (p) => numbers(await logOf(p)).length));
          return now.every((n, i) => n >= before[i] + 30);
        });
        for (const [i, page] of pages.entries()) {
          const log = await logOf(page);
          assertRun(log, `remaining tab ${i}`);
          assert.deepEqual(log.filter((x) => typeof x === 'string'), ['open'], `remaining tab ${i}: one open, no error`);
        }
        const reqs = await attempts(name);
        for (const r of reqs.slice(1)) assert.match(r.headers['last-event-id'] ?? '', /^\d+$/, 'each new holder resumed with Last-Event-ID');
        if (noSharedWorker) {
          assert.equal(reqs.length, 4, 'one connection, then one per hand-over');
        } else if (ENGINE === 'webkit') {
          // WebKitGTK ends the shared worker when some of its tabs close,
          // with others still open; a view takes the stream over then.
          assert.ok(reqs.length <= 4, `${reqs.length} connections`);
        } else {
          assert.equal(reqs.length, 1, 'the worker kept its one connection');
        }
      } finally {
        await context.close();
      }
    });

    it(`${label}: a tab that joins late gets open, the events from then on and the stream's lastEventId; close() leaves only that tab; the last one closes the connection`, async () => {
      const name = unique('late');
      await script(server.base, name, { responses: [{ body: [{ count: { interval: 10 } }], end: 'stall' }] });
      const { context, open } = await profile({ noSharedWorker });
      try {
        const first = await open();
        await listen(first, `/sse/${name}`, { shared: true });
        await waitFor('30 events', async () => numbers(await logOf(first)).length >= 30);
        const late = await open();
        await listen(late, `/sse/${name}`, { shared: true });
        await waitFor('the late tab streams', async () => numbers(await logOf(late)).length >= 10);
        const lateLog = await logOf(late);
        assert.equal(lateLog[0], 'open');
        assert.ok(numbers(lateLog)[0] > 30, `joined mid-stream, at ${numbers(lateLog)[0]}`);
        assertRun(lateLog, 'late tab');
        const ids = await late.evaluate(() => window.sources.main.lastEventId);
        assert.match(ids, /^\d+$/);
        // close() in one tab: that view only.
        await first.evaluate(() => window.sources.main.close());
        const state = await first.evaluate(() => window.sources.main.readyState);
        assert.equal(state, 2);
        const n = numbers(await logOf(late)).length;
        await waitFor('the other tab keeps streaming', async () => numbers(await logOf(late)).length >= n + 10);
        assert.equal((await attempts(name)).length, 1);
        // The last view closes the connection.
        await late.evaluate(() => window.sources.main.close());
        const closed = Number(await (await fetch(`${server.base}/_closed/${name}?count=1&timeout=5000`)).text());
        assert.equal(closed, 1, 'the server saw the client go');
        // Opened again, the stream is held as the first time: by the worker
        // where there is one.
        await listen(late, `/sse/${name}`, { shared: true }, 'again');
        await waitFor('the stream again', async () => numbers(await logOf(late, 'again')).length >= 5);
        assert.equal((await attempts(name)).length, 2);
        const holder = await holderClient(late);
        assert.ok(holder, 'the stream has a holder');
        if (noSharedWorker) assert.equal(holder, await clientId(late), 'the tab holds it');
        else assert.notEqual(holder, await clientId(late), 'the worker holds it again');
      } finally {
        await context.close();
      }
    });
  }

  it('the script-tag file shares too: it starts itself as the shared worker', async () => {
    const name = unique('script');
    await script(server.base, name, { responses: [{ body: [{ count: { interval: 15 } }], end: 'stall' }] });
    const { context, open } = await profile({ noSharedWorker: false, path: '/tests/shared-script.html' });
    try {
      const pages = [];
      for (let i = 0; i < 3; i++) {
        const page = await open();
        await listen(page, `/sse/${name}`, { shared: true });
        pages.push(page);
      }
      await waitFor('events in every tab', async () =>
        (await Promise.all(pages.map((p) => logOf(p)))).every((l) => numbers(l).length >= 20)
      );
      assert.equal((await attempts(name)).length, 1, 'one connection');
      for (const [i, page] of pages.entries()) assertRun(await logOf(page), `tab ${i}`);
      const tabs = [];
      for (const page of pages) tabs.push(await clientId(page));
      const holder = await holderClient(pages[0]);
      assert.ok(holder, 'the stream has a holder');
      assert.equal(new Set(tabs).size, 3, 'three tabs, three clients');
      assert.ok(!tabs.includes(holder), 'no tab holds the connection: the worker does');
    } finally {
      await context.close();
    }
  });

  it('a dedicated worker and a frame share the connection of a tab', async () => {
    const name = unique('worker');
    await script(server.base, name, { responses: [{ body: [{ count: { interval: 15 } }], end: 'stall' }] });
    const { context, open } = await profile({ noSharedWorker: false });
    try {
      const tab = await open();
      await listen(tab, `/sse/${name}`, { shared: true });
      const other = await open();
      await other.evaluate((url) => {
        window.log = { worker: [], frame: [] };
        // A module worker (from a blob: the URL must be absolute): no
        // SharedWorker there, so its view stands by for the lock.
        const code = `import { EventSource } from '${location.origin}/pkg/index.js';
          const es = new EventSource(${JSON.stringify(new URL(url, location.href).href)}, { shared: true });
          es.onopen = () => postMessage('open');
          es.onmessage = (e) => postMessage(Number(e.data));`;
        const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })), { type: 'module' });
        worker.onmessage = (e) => window.log.worker.push(e.data);
        worker.onerror = (e) => window.log.worker.push(`error ${e.message}`);
        const frame = document.createElement('iframe');
        frame.src = '/tests/page.html';
        frame.onload = async () => {
          const w = frame.contentWindow;
          await waitFor(() => w.ready === true, { what: 'the frame to be ready' });
          const es = new w.WasmEventSource(url, { shared: true });
          es.onopen = () => window.log.frame.push('open');
          es.onmessage = (e) => window.log.frame.push(Number(e.data));
        };
        document.body.append(frame);
      }, `/sse/${name}`);
      await waitFor('events in the worker and the frame', async () => {
        const [w, f] = await Promise.all([logOf(other, 'worker'), logOf(other, 'frame')]);
        return numbers(w).length >= 20 && numbers(f).length >= 20;
      });
      assert.equal((await attempts(name)).length, 1, 'one connection');
      for (const key of ['worker', 'frame']) {
        const log = await logOf(other, key);
        assert.equal(log[0], 'open', `${key}: open first`);
        assertRun(log, key);
      }
      assertRun(await logOf(tab), 'tab');
    } finally {
      await context.close();
    }
  });

  it('different URLs or options never share; the same ones do', async () => {
    const names = [unique('a'), unique('b')];
    for (const n of names) await script(server.base, n, { responses: [{ body: [{ count: { interval: 20 } }], end: 'stall' }] });
    const { context, open } = await profile({ noSharedWorker: false });
    try {
      const page = await open();
      const [a, b] = names;
      const sources = [
        ['same1', `/sse/${a}`, { shared: true }],
        ['same2', `/sse/${a}`, { shared: true }],
        ['header', `/sse/${a}`, { shared: true, headers: { 'X-Other': '1' } }],
        ['keyed', `/sse/${a}`, { shared: 'another-stream' }],
        ['retry', `/sse/${a}`, { shared: true, retry: { initialDelay: 500 } }],
        ['url', `/sse/${b}`, { shared: true }],
      ];
      for (const [key, url, init] of sources) await listen(page, url, init, key);
      await waitFor('every source streams', async () =>
        (await Promise.all(sources.map(([key]) => logOf(page, key)))).every((l) => numbers(l).length >= 5)
      );
      assert.equal((await attempts(a)).length, 4, 'same1 and same2 share; header, keyed and retry each have their own');
      assert.equal((await attempts(b)).length, 1);
    } finally {
      await context.close();
    }
  });

  it('per-attempt functions and a custom fetch are refused with shared, with a TypeError that says why', async () => {
    const { context, open } = await profile({ noSharedWorker: false });
    try {
      const page = await open();
      const r = await page.evaluate(() => {
        const thrown = (init) => {
          try {
            new WasmEventSource('/sse/x', init).close();
            return 'nothing';
          } catch (e) {
            return `${e.constructor.name}: ${e.message}`;
          }
        };
        return {
          headers: thrown({ shared: true, headers: () => ({}) }),
          body: thrown({ shared: true, method: 'POST', body: () => 'x' }),
          blob: thrown({ shared: true, method: 'POST', body: new Blob(['x']) }),
          fetch: thrown({ shared: true, fetch }),
          key: thrown({ shared: '' }),
          fine: thrown({ shared: 'k', method: 'POST', body: 'x', headers: { A: 'b' } }),
        };
      });
      assert.match(r.headers, /^TypeError: .*'headers' must be fixed with 'shared'/);
      assert.match(r.body, /^TypeError: .*'body' must be fixed with 'shared'/);
      assert.match(r.blob, /^TypeError: .*'body' must be a string with 'shared'/);
      assert.match(r.fetch, /^TypeError: .*'fetch' must be absent with 'shared'/);
      assert.match(r.key, /^TypeError: .*'shared' must be true, or a non-empty string/);
      assert.equal(r.fine, 'nothing');
    } finally {
      await context.close();
    }
  });
});
