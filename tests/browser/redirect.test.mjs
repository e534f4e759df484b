// Redirects and the request's secrets. fetch follows a redirect with every
// custom header (it drops only Authorization, and only across origins, as
// the Fetch standard says), so an open redirect would hand an API key to
// whoever is at the other end. Native EventSource sends no custom headers,
// so it has no such case: it follows redirects, and so does ours when the
// request has none. With custom headers ours refuses redirects unless
// `redirect: 'follow'` says otherwise; a refused redirect is one `error`
// (reason 'redirect'), CLOSED, and nothing reaches the new address.
//
// The other origin is the same test server under another host name
// (localhost instead of 127.0.0.1): cross-origin for the browser, with CORS
// that allows every requested header.
import test from 'node:test';
import assert from 'node:assert/strict';
import { only, requests, script, setup, stall, standardView, unique } from './harness.mjs';

const ctx = setup(test);

/** `/sse/{from}` redirects (302) to `target` (a full URL); resolves once scripted. */
const redirect = (from, target, status = 302) => script(ctx.base, from, { responses: [{ status, headers: { location: target } }] });

/** Requests to `/sse/{name}` the server saw, preflights left out. */
const attempts = async (name) => (await requests(ctx.base, name)).filter((r) => !r.preflight);

const SECRETS = { 'X-Api-Key': 'secret-key', Authorization: 'Bearer secret-token' };

test('without custom headers a redirect is followed, like native (same origin and cross-origin)', async () => {
  const page = await ctx.page();
  for (const [where, origin] of [
    ['same-origin', ctx.base],
    ['cross-origin', `http://localhost:${ctx.port}`],
  ]) {
    const names = {};
    for (const who of ['native', 'wasm']) {
      names[who] = { from: unique(`redir-${where}-${who}`), to: unique(`target-${where}-${who}`) };
      await script(ctx.base, names[who].to, only(stall('id: 1\ndata: moved\n\n')));
      await redirect(names[who].from, `${origin}/sse/${names[who].to}`);
    }
    const [native, wasm] = await page.evaluate(
      (names) =>
        Promise.all(
          [
            [NativeEventSource, names.native],
            [WasmEventSource, names.wasm],
          ].map(([C, n]) => record(C, `/sse/${n.from}`, undefined, { until: "log.some((e) => e.type === 'message')" }))
        ),
      names
    );
    const expected = [
      { type: 'open', readyState: 1 },
      { type: 'message', readyState: 1, data: 'moved', lastEventId: '1', origin },
    ];
    assert.deepEqual(standardView(native), expected, `${where}: native`);
    assert.deepEqual(standardView(wasm), expected, `${where}: ours`);
  }
});

test('with custom headers a redirect is refused by default: one error (reason redirect), CLOSED, nothing sent to the new address', async () => {
  const page = await ctx.page();
  for (const [where, origin] of [
    ['same-origin', ctx.base],
    ['cross-origin', `http://localhost:${ctx.port}`],
  ]) {
    const from = unique(`refuse-${where}`);
    const to = unique(`refused-target-${where}`);
    await script(ctx.base, to, only(stall('data: leaked\n\n')));
    await redirect(from, `${origin}/sse/${to}`, 307);
    const log = await page.evaluate(
      ([url, headers]) => record(WasmEventSource, url, { headers, retry: { initialDelay: 50 } }, { until: 'es.readyState === 2', timeout: 5000 }),
      [`/sse/${from}`, SECRETS]
    );
    assert.deepEqual(
      log.map((e) => [e.type, e.readyState, e.reason, e.willRetry, e.status]),
      [['error', 2, 'redirect', false, undefined]],
      `${where}: ${JSON.stringify(log)}`
    );
    assert.match(log[0].message, /^the server redirected the request, and the redirect option refuses it/);
    assert.equal((await requests(ctx.base, to)).length, 0, `${where}: the new address was not contacted`);
    assert.equal((await attempts(from)).length, 1, `${where}: no retry`);
  }
});

test("redirect: 'follow' with custom headers: what the new address receives (Authorization only across origins is dropped), what the page sees", async () => {
  const page = await ctx.page();
  const seen = {};
  for (const [where, origin] of [
    ['same-origin', ctx.base],
    ['cross-origin', `http://localhost:${ctx.port}`],
  ]) {
    const from = unique(`follow-${where}`);
    const to = unique(`follow-target-${where}`);
    await script(ctx.base, to, only(stall('data: moved\n\n')));
    await redirect(from, `${origin}/sse/${to}`, 307);
    const log = await page.evaluate(
      ([url, headers]) => record(WasmEventSource, url, { headers, redirect: 'follow' }, { until: "log.some((e) => e.type === 'message')" }),
      [`/sse/${from}`, SECRETS]
    );
    assert.deepEqual(
      log.map((e) => [e.type, e.data, e.origin]),
      [
        ['open', undefined, undefined],
        ['message', 'moved', origin],
      ],
      where
    );
    const [request] = await attempts(to);
    seen[where] = { key: request.headers['x-api-key'], authorization: request.headers.authorization };
  }
  assert.deepEqual(seen['same-origin'], { key: 'secret-key', authorization: 'Bearer secret-token' });
  // The Fetch standard drops Authorization on a cross-origin redirect, and
  // nothing else: the API key reaches the other origin.
  assert.deepEqual(seen['cross-origin'], { key: 'secret-key', authorization: undefined });
});

test("redirect: 'error' refuses a redirect even without custom headers; a bad value throws a TypeError naming the option", async () => {
  const page = await ctx.page();
  const from = unique('refuse-plain');
  const to = unique('refuse-plain-target');
  await script(ctx.base, to, only(stall('data: moved\n\n')));
  await redirect(from, `${ctx.base}/sse/${to}`, 301);
  const r = await page.evaluate(async (url) => {
    const log = await record(WasmEventSource, url, { redirect: 'error' }, { until: 'es.readyState === 2', timeout: 5000 });
    let thrown;
    try {
      new WasmEventSource(url, { redirect: 'manual' });
    } catch (e) {
      thrown = `${e.name}: ${e.message}`;
    }
    return { log: log.map((e) => [e.type, e.reason]), thrown };
  }, `/sse/${from}`);
  assert.deepEqual(r.log, [['error', 'redirect']]);
  assert.equal(r.thrown, `TypeError: Failed to construct 'EventSource': option 'redirect' must be "follow" or "error".`);
  assert.equal((await requests(ctx.base, to)).length, 0);
});
