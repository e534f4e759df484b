// The script-tag build, pkg/wasm-eventsource.js: one classic script with
// the wasm inlined and instantiated synchronously. It defines
// WasmEventSource and NativeEventSource, installs ours as EventSource only
// where there is none or when asked with `data-force`, and must work in a
// dedicated worker through importScripts. The pages are written under
// /gen/ (served by the test server), so every other URL they use (/pkg/,
// /sse/) reaches the same origin.
import test from 'node:test';
import assert from 'node:assert/strict';
import { only, requests, script, setup, stall, unique } from './harness.mjs';

const ctx = setup(test);

/**
 * A page that loads the script tag (with `attrs`) between `before` and
 * `after` inline scripts. `after` runs synchronously right after the tag.
 */
function tagPage({ attrs = '', before = '', after = '' } = {}) {
  return `<!doctype html>
<meta charset="utf-8">
<title>script tag</title>
<script>
  window.original = window.EventSource;
  ${before}
</script>
<script src="/pkg/wasm-eventsource.js"${attrs}></script>
<script>
  window.log = [];
  ${after}
</script>
`;
}

/** Inline script: open a source with class `expr` on `url` right away and log what it fires. */
const openRightAway = (expr, url) => `
  const es = new ${expr}(${JSON.stringify(url)});
  window.first = { readyState: es.readyState, url: es.url, isOurs: es instanceof WasmEventSource };
  es.onopen = () => log.push(['open', es.readyState]);
  es.onmessage = (e) => {
    log.push(['message', e.data, e.origin]);
    es.close();
  };
  es.onerror = () => log.push(['error', es.readyState]);
`;

test('a plain <script src> defines WasmEventSource and NativeEventSource, keeps the native EventSource, and works at once', async () => {
  const name = unique('tag');
  await script(ctx.base, name, only(stall('data: from the tag\n\n')));
  const page = await ctx.page('/gen/tag-plain.html', {
    html: tagPage({ after: openRightAway('WasmEventSource', `/sse/${name}`) }),
  });
  await page.waitForFunction(() => window.log.length >= 2);
  const r = await page.evaluate(() => ({
    wasm: typeof WasmEventSource,
    nativeIsOriginal: NativeEventSource === window.original,
    nativeIsNative: /\[native code\]/.test(Function.prototype.toString.call(NativeEventSource)),
    eventSourceKept: window.EventSource === window.original,
    oursIsNotNative: WasmEventSource !== window.original,
    first: window.first,
    log: window.log,
  }));
  assert.deepEqual(r, {
    wasm: 'function',
    nativeIsOriginal: true,
    nativeIsNative: true,
    eventSourceKept: true,
    oursIsNotNative: true,
    first: { readyState: 0, url: `${ctx.base}/sse/${name}`, isOurs: true },
    log: [
      ['open', 1],
      ['message', 'from the tag', ctx.base],
    ],
  });
  assert.equal((await requests(ctx.base, name)).length, 1);
});

test('data-force replaces window.EventSource with ours; a source created right after the tag works', async () => {
  const name = unique('tag-force');
  await script(ctx.base, name, only(stall('data: forced\n\n')));
  const page = await ctx.page('/gen/tag-force.html', {
    html: tagPage({ attrs: ' data-force', after: openRightAway('EventSource', `/sse/${name}`) }),
  });
  await page.waitForFunction(() => window.log.length >= 2);
  const r = await page.evaluate(() => ({
    replaced: window.EventSource === WasmEventSource,
    nativeIsOriginal: NativeEventSource === window.original,
    first: window.first,
    log: window.log,
  }));
  assert.deepEqual(r, {
    replaced: true,
    nativeIsOriginal: true,
    first: { readyState: 0, url: `${ctx.base}/sse/${name}`, isOurs: true },
    log: [
      ['open', 1],
      ['message', 'forced', ctx.base],
    ],
  });
});

test('where there is no EventSource, the script tag installs ours', async () => {
  const name = unique('tag-missing');
  await script(ctx.base, name, only(stall('data: installed\n\n')));
  const page = await ctx.page('/gen/tag-missing.html', {
    html: tagPage({
      before: 'delete window.EventSource;',
      after: openRightAway('EventSource', `/sse/${name}`),
    }),
  });
  await page.waitForFunction(() => window.log.length >= 2);
  const r = await page.evaluate(() => ({
    installed: window.EventSource === WasmEventSource,
    native: typeof NativeEventSource,
    log: window.log,
  }));
  assert.deepEqual(r, {
    installed: true,
    native: 'undefined',
    log: [
      ['open', 1],
      ['message', 'installed', ctx.base],
    ],
  });
});

test('in a dedicated worker, importScripts of the script tag gives a working WasmEventSource (URLs resolve against the worker)', async () => {
  const name = unique('worker');
  await script(ctx.base, name, {
    responses: [{ body: [{ data: 'retry: 50\nid: w1\ndata: one\n\n' }] }, stall('data: two\n\n')],
  });
  const worker = `
    importScripts('/pkg/wasm-eventsource.js');
    const log = [];
    // Relative to the worker (/gen/w/worker.js): /sse/{name}. Relative to
    // the page (/gen/a/b/c/) it would be /gen/a/sse/{name}.
    const es = new WasmEventSource('../../sse/${name}');
    const info = {
      url: es.url,
      nativeKept: self.EventSource === self.NativeEventSource && typeof self.EventSource === 'function',
      oursIsDifferent: self.WasmEventSource !== self.EventSource,
    };
    es.onopen = () => log.push(['open', es.readyState]);
    es.onerror = () => log.push(['error', es.readyState]);
    es.onmessage = (e) => {
      log.push(['message', e.data, e.lastEventId, e.origin]);
      if (e.data === 'two') {
        es.close();
        // Reports once the engine is freed, or after a 10 s deadline.
        const until = performance.now() + 10000;
        const report = () =>
          WasmEventSource.liveEngines() === 0 || performance.now() > until
            ? postMessage({ info, log, live: WasmEventSource.liveEngines() })
            : setTimeout(report, 10);
        report();
      }
    };
  `;
  const page = await ctx.page('/gen/a/b/c/worker-host.html', {
    html: '<!doctype html><meta charset="utf-8"><title>worker host</title>',
    routes: { '/gen/w/worker.js': worker },
  });
  const r = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const w = new Worker('/gen/w/worker.js');
        w.onmessage = (e) => resolve(e.data);
        w.onerror = (e) => reject(new Error(`worker error: ${e.message}`));
        setTimeout(() => reject(new Error('worker timed out')), 20000);
      })
  );
  assert.deepEqual(r, {
    info: { url: `${ctx.base}/sse/${name}`, nativeKept: true, oursIsDifferent: true },
    log: [
      ['open', 1],
      ['message', 'one', 'w1', ctx.base],
      ['error', 0],
      ['open', 1],
      ['message', 'two', 'w1', ctx.base],
    ],
    live: 0,
  });
  const reqs = await requests(ctx.base, name);
  assert.deepEqual(
    reqs.map((q) => q.headers['last-event-id']),
    [undefined, 'w1']
  );
});
