// wasm-eventsource's extensions to EventSourceInit (pkg-template/index.d.ts):
// request headers and bodies, credentials, Last-Event-ID control, backoff,
// attempt limits, status retries, inactivity, AbortSignal, a custom fetch,
// the buffer limit, the details on `error` events and option validation.
// Only ours has them, so these run through WasmEventSource alone and check
// what the server received and what the page observed.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  ENGINE,
  closeAfter,
  gaps,
  only,
  reached,
  requests,
  script,
  setup,
  stall,
  unique,
  utf8,
  waitClosed,
} from './harness.mjs';

const ctx = setup(test);

/** Script `spec` as `/sse/{name}`, record ours on it with `init`; resolves to { log, reqs }. */
async function ours(page, name, spec, init, opts) {
  await script(ctx.base, name, spec);
  const log = await page.evaluate(([u, init, opts]) => record(WasmEventSource, u, init, opts), [
    `/sse/${name}`,
    init,
    opts,
  ]);
  return { log, reqs: await requests(ctx.base, name) };
}

const types = (log) => log.map((e) => e.type);
const messages = (log) => log.filter((e) => e.type === 'message').map((e) => e.data);

test('headers: object, Headers, pairs, function and async function (functions called again for every attempt)', async () => {
  const page = await ctx.page();
  const kinds = ['object', 'Headers', 'pairs', 'function', 'async function'];
  const names = Object.fromEntries(kinds.map((k) => [k, unique('headers')]));
  // Every attempt ends, so each source makes three requests quickly.
  await Promise.all(kinds.map((k) => script(ctx.base, names[k], only(closeAfter('retry: 50\ndata: x\n\n')))));
  await page.evaluate(async (names) => {
    let fn = 0;
    let asyncFn = 0;
    const inits = {
      object: { headers: { Authorization: 'Bearer obj', 'X-Extra': 'static' } },
      Headers: { headers: new Headers({ Authorization: 'Bearer hdr' }) },
      pairs: {
        headers: [
          ['Authorization', 'Bearer pairs'],
          ['X-Multi', 'a'],
          ['X-Multi', 'b'],
        ],
      },
      function: { headers: () => ({ Authorization: `Bearer fn${++fn}` }) },
      'async function': {
        headers: async () => {
          // Resolves in a later task, as a token service would.
          await macrotasks(1);
          return new Headers([['Authorization', `Bearer async${++asyncFn}`]]);
        },
      },
    };
    await Promise.all(
      Object.entries(names).map(([k, name]) =>
        record(WasmEventSource, `/sse/${name}`, inits[k], { until: "log.filter((e) => e.type === 'open').length >= 3" })
      )
    );
  }, names);
  const seen = {};
  for (const k of kinds) {
    const reqs = (await requests(ctx.base, names[k])).slice(0, 3);
    seen[k] = reqs.map((r) => r.headers.authorization);
    for (const r of reqs) assert.equal(r.headers.accept, 'text/event-stream', `${k}: Accept is still sent`);
    if (k === 'object') assert.deepEqual(reqs.map((r) => r.headers['x-extra']), ['static', 'static', 'static']);
    if (k === 'pairs') assert.deepEqual(reqs.map((r) => r.headers['x-multi']), ['a, b', 'a, b', 'a, b']);
  }
  assert.deepEqual(seen, {
    object: ['Bearer obj', 'Bearer obj', 'Bearer obj'],
    Headers: ['Bearer hdr', 'Bearer hdr', 'Bearer hdr'],
    pairs: ['Bearer pairs', 'Bearer pairs', 'Bearer pairs'],
    function: ['Bearer fn1', 'Bearer fn2', 'Bearer fn3'],
    'async function': ['Bearer async1', 'Bearer async2', 'Bearer async3'],
  });
});

test('a headers function that throws (or rejects) fires error, willRetry, and the next attempt calls it again', async () => {
  const page = await ctx.page();
  const name = unique('headers-throw');
  await script(ctx.base, name, only(stall('data: x\n\n')));
  const log = await page.evaluate(
    (u) => {
      let calls = 0;
      const headers = async () => {
        calls += 1;
        if (calls === 1) throw new Error('token service down');
        if (calls === 2) return Promise.reject(new TypeError('still down'));
        return { Authorization: `Bearer ${calls}` };
      };
      return record(WasmEventSource, u, { headers, retry: { initialDelay: 50 } }, {
        until: "log.some((e) => e.type === 'message')",
      });
    },
    `/sse/${name}`
  );
  assert.deepEqual(
    log.map((e) => [e.type, e.readyState, e.willRetry, e.status]),
    [
      ['error', 0, true, undefined],
      ['error', 0, true, undefined],
      ['open', 1, undefined, undefined],
      ['message', 1, undefined, undefined],
    ]
  );
  assert.match(log[0].message, /token service down/);
  assert.match(log[1].message, /still down/);
  const reqs = await requests(ctx.base, name);
  assert.deepEqual(
    reqs.map((r) => r.headers.authorization),
    ['Bearer 3'],
    'no request went out while the function failed'
  );
});

test('method and body: string, URLSearchParams, Blob, ArrayBuffer, typed array view, FormData, (async) function', async () => {
  const page = await ctx.page();
  const kinds = ['string', 'URLSearchParams', 'Blob', 'ArrayBuffer', 'view', 'FormData', 'function', 'async function'];
  const names = Object.fromEntries(kinds.map((k) => [k, unique('body')]));
  await Promise.all(kinds.map((k) => script(ctx.base, names[k], only(closeAfter('retry: 50\ndata: x\n\n')))));
  await page.evaluate(async (names) => {
    let calls = 0;
    let asyncCalls = 0;
    const form = new FormData();
    form.append('field', 'value');
    // A clean end reconnects here (streamEnd), to see each body sent again.
    const streamEnd = 'reconnect';
    const inits = {
      string: { method: 'POST', body: 'hello', streamEnd },
      URLSearchParams: { method: 'POST', body: new URLSearchParams({ a: '1', b: 'x y' }), streamEnd },
      Blob: { method: 'POST', body: new Blob(['blob-data'], { type: 'application/x-test' }), streamEnd },
      ArrayBuffer: { method: 'POST', body: Uint8Array.from([0, 1, 2, 255]).buffer, streamEnd },
      view: { method: 'POST', body: Uint8Array.from([9, 9, 104, 105, 9]).subarray(2, 4), streamEnd },
      FormData: { method: 'POST', body: form, streamEnd },
      function: { method: 'PUT', body: () => JSON.stringify({ attempt: ++calls }), streamEnd },
      'async function': {
        method: 'POST',
        body: async () => new Blob([`async ${++asyncCalls}`], { type: 'text/x-async' }),
        streamEnd,
      },
    };
    // Two requests each: the functions must run again for the reconnect.
    for (const [k, name] of Object.entries(names)) {
      await record(WasmEventSource, `/sse/${name}`, inits[k], { until: "log.filter((e) => e.type === 'open').length >= 2" });
    }
  }, names);
  const got = {};
  for (const k of kinds) {
    const reqs = (await requests(ctx.base, names[k])).slice(0, 2);
    got[k] = reqs.map((r) => ({ method: r.method, body: r.body_b64, type: r.headers['content-type'] }));
  }
  const b64 = (s) => Buffer.from(s).toString('base64');
  const twice = (x) => [x, x];
  assert.deepEqual(got.string, twice({ method: 'POST', body: b64('hello'), type: 'text/plain;charset=UTF-8' }));
  assert.deepEqual(
    got.URLSearchParams,
    twice({ method: 'POST', body: b64('a=1&b=x+y'), type: 'application/x-www-form-urlencoded;charset=UTF-8' })
  );
  assert.deepEqual(got.Blob, twice({ method: 'POST', body: b64('blob-data'), type: 'application/x-test' }));
  assert.deepEqual(
    got.ArrayBuffer,
    twice({ method: 'POST', body: Buffer.from([0, 1, 2, 255]).toString('base64'), type: undefined })
  );
  assert.deepEqual(got.view, twice({ method: 'POST', body: b64('hi'), type: undefined }));
  for (const r of got.FormData) {
    assert.equal(r.method, 'POST');
    assert.match(r.type, /^multipart\/form-data; boundary=/);
    const text = Buffer.from(r.body, 'base64').toString();
    assert.match(text, /Content-Disposition: form-data; name="field"\r\n\r\nvalue\r\n/);
  }
  assert.deepEqual(got.function, [
    { method: 'PUT', body: b64('{"attempt":1}'), type: 'text/plain;charset=UTF-8' },
    { method: 'PUT', body: b64('{"attempt":2}'), type: 'text/plain;charset=UTF-8' },
  ]);
  assert.deepEqual(got['async function'], [
    { method: 'POST', body: b64('async 1'), type: 'text/x-async' },
    { method: 'POST', body: b64('async 2'), type: 'text/x-async' },
  ]);
});

test('streamEnd: a POST stream that ends cleanly is done (one request, one error with reason body-ended, CLOSED, for await ends normally); streamEnd reconnect sends it again', async () => {
  const page = await ctx.page();
  const names = { post: unique('end-post'), loop: unique('end-loop'), again: unique('end-again'), get: unique('end-get'), spent: unique('end-spent') };
  const answer = closeAfter('retry: 50\nid: 1\ndata: Hello\n\nid: 2\ndata: world\n\n');
  await Promise.all(Object.values(names).map((n) => script(ctx.base, n, only(answer))));
  const r = await page.evaluate(async (names) => {
    const view = (log) => log.map((e) => [e.type, e.data ?? e.reason, e.readyState, e.willRetry]);
    const post = { method: 'POST', body: JSON.stringify({ prompt: 'hi' }), headers: { 'content-type': 'application/json' } };
    // The default for POST: the end means done.
    const done = view(await record(WasmEventSource, `/sse/${names.post}`, post, { until: 'es.readyState === 2' }));
    // for await: every message, then the loop ends without throwing.
    const seen = [];
    let threw = null;
    try {
      for await (const m of new WasmEventSource(`/sse/${names.loop}`, post)) seen.push(m.data);
    } catch (e) {
      threw = String(e);
    }
    // streamEnd 'reconnect': a subscription; the body goes again, with the id.
    const again = view(
      await record(WasmEventSource, `/sse/${names.again}`, { ...post, streamEnd: 'reconnect' }, { until: "log.filter((e) => e.type === 'open').length >= 2" })
    );
    // GET with streamEnd 'close'.
    const get = view(await record(WasmEventSource, `/sse/${names.get}`, { streamEnd: 'close' }, { until: 'es.readyState === 2' }));
    // GET with maxAttempts 0: no reconnection follows the clean end, so a loop ends normally too.
    const spentSeen = [];
    let spentThrew = null;
    try {
      for await (const m of new WasmEventSource(`/sse/${names.spent}`, { retry: { maxAttempts: 0 } })) spentSeen.push(m.data);
    } catch (e) {
      spentThrew = String(e);
    }
    return { done, seen, threw, again, get, spentSeen, spentThrew };
  }, names);
  const closed = [
    ['open', undefined, 1, undefined],
    ['message', 'Hello', 1, undefined],
    ['message', 'world', 1, undefined],
    ['error', 'body-ended', 2, false],
  ];
  assert.deepEqual(r.done, closed);
  assert.deepEqual([r.seen, r.threw], [['Hello', 'world'], null]);
  assert.deepEqual(r.get, closed);
  assert.deepEqual([r.spentSeen, r.spentThrew], [['Hello', 'world'], null]);
  assert.deepEqual(r.again.slice(0, 4), [
    ['open', undefined, 1, undefined],
    ['message', 'Hello', 1, undefined],
    ['message', 'world', 1, undefined],
    ['error', 'body-ended', 0, true],
  ]);
  // Nothing is sent again after a clean end, unless asked.
  for (const k of ['post', 'loop', 'get', 'spent']) assert.equal(await reached(ctx.base, names[k], 2, 300), false, `${k} sent the request again`);
  const again = await requests(ctx.base, names.again);
  assert.deepEqual(
    again.slice(0, 2).map((r) => [r.method, Buffer.from(r.body_b64, 'base64').toString(), r.headers['last-event-id'] ?? null]),
    [
      ['POST', '{"prompt":"hi"}', null],
      ['POST', '{"prompt":"hi"}', '2'],
    ]
  );
});

test("credentials: 'omit' keeps same-origin cookies off the request (withCredentials still reflects the init)", async () => {
  const page = await ctx.page();
  await page.evaluate(() => {
    document.cookie = 'session=abc; path=/';
  });
  const cases = {
    default: {},
    omit: { credentials: 'omit' },
    omitOverridesWithCredentials: { withCredentials: true, credentials: 'omit' },
  };
  const cookies = {};
  for (const [label, init] of Object.entries(cases)) {
    const name = unique('creds');
    const { log, reqs } = await ours(page, name, only(stall('data: x\n\n')), init, {
      until: "log.some((e) => e.type === 'message')",
    });
    assert.deepEqual(types(log), ['open', 'message'], label);
    cookies[label] = reqs.map((r) => r.headers.cookie);
  }
  assert.deepEqual(cookies, { default: ['session=abc'], omit: [undefined], omitOverridesWithCredentials: [undefined] });
  const withCredentials = await page.evaluate(() => {
    const es = new WasmEventSource('/sse/unused', { withCredentials: true, credentials: 'omit' });
    es.close();
    return es.withCredentials;
  });
  assert.equal(withCredentials, true);
});

test('lastEventId: sent as Last-Event-ID (UTF-8) on the first request and used until the server sets an id', async () => {
  const page = await ctx.page();
  const { log, reqs } = await ours(
    page,
    unique('initial-id'),
    { responses: [closeAfter('retry: 50\ndata: a\n\n'), stall('id: 2\ndata: b\n\n')] },
    { lastEventId: 'resume-é' },
    { until: "log.filter((e) => e.type === 'message').length >= 2" }
  );
  assert.deepEqual(
    log.filter((e) => e.type === 'message').map((e) => [e.data, e.lastEventId]),
    [
      ['a', 'resume-é'],
      ['b', '2'],
    ]
  );
  assert.equal(reqs.length, 2);
  for (const r of reqs) assert.deepEqual(r.headers_raw['last-event-id'], utf8('resume-é'), 'UTF-8 bytes');
});

test('lastEventIdQueryParam: the id also goes in the query string, added to an existing query', async () => {
  const page = await ctx.page();
  const fresh = unique('id-param');
  await script(ctx.base, fresh, {
    responses: [closeAfter('retry: 50\nid: 7 é\ndata: a\n\n'), stall('data: b\n\n')],
  });
  await page.evaluate(
    (u) => record(WasmEventSource, u, { lastEventIdQueryParam: 'last' }, { until: "log.filter((e) => e.type === 'message').length >= 2" }),
    `/sse/${fresh}`
  );
  const [first, second] = await requests(ctx.base, fresh);
  assert.equal(first.path, `/sse/${fresh}`, 'no parameter while the id is empty');
  assert.equal(first.headers['last-event-id'], undefined);
  assert.equal(new URL(second.path, ctx.base).searchParams.get('last'), '7 é');
  assert.deepEqual(second.headers_raw['last-event-id'], utf8('7 é'), 'the header is still sent, as UTF-8');

  const withQuery = unique('id-param-query');
  await script(ctx.base, withQuery, only(stall('data: a\n\n')));
  await page.evaluate(
    (u) =>
      record(WasmEventSource, u, { lastEventId: 'init', lastEventIdQueryParam: 'last' }, {
        until: "log.some((e) => e.type === 'message')",
      }),
    `/sse/${withQuery}?x=1`
  );
  const [req] = await requests(ctx.base, withQuery);
  const params = new URL(req.path, ctx.base).searchParams;
  assert.deepEqual([...params], [
    ['x', '1'],
    ['last', 'init'],
  ]);
});

test('an id beyond U+00FF: the query parameter carries it everywhere; the header wherever the network stack can', async () => {
  const page = await ctx.page();
  const name = unique('id-euro');
  const id = '7 €😀';
  await script(ctx.base, name, { responses: [closeAfter(`retry: 50\nid: ${id}\ndata: a\n\n`), stall('data: b\n\n')] });
  await page.evaluate(
    (u) => record(WasmEventSource, u, { lastEventIdQueryParam: 'last' }, { until: "log.filter((e) => e.type === 'message').length >= 2" }),
    `/sse/${name}`
  );
  const [, second] = await requests(ctx.base, name);
  assert.equal(new URL(second.path, ctx.base).searchParams.get('last'), id, 'the query parameter, percent-encoded UTF-8');
  if (ENGINE === 'webkit') {
    // WebKitGTK's network stack UTF-8-encodes each character of a header
    // value, and headers only take characters up to U+00FF: no header value
    // gives these bytes, so ours sends none rather than a wrong one (README).
    assert.equal(second.headers_raw['last-event-id'], undefined, 'no header in WebKitGTK for this id');
  } else {
    assert.deepEqual(second.headers_raw['last-event-id'], utf8(id), 'the header, as UTF-8');
  }
});

test('retry backoff: initialDelay 100, multiplier 2, maxDelay 400 → delays 100, 200, 400, 400', async () => {
  const page = await ctx.page();
  // 200 with an empty body: opens, delivers no event, ends. Backoff grows.
  const { log, reqs } = await ours(
    page,
    unique('backoff'),
    only({}),
    { retry: { initialDelay: 100, multiplier: 2, maxDelay: 400, jitter: 0 } },
    { until: "log.filter((e) => e.type === 'open').length >= 5", timeout: 6000 }
  );
  const errors = log.filter((e) => e.type === 'error');
  assert.deepEqual(
    errors.slice(0, 4).map((e) => [e.willRetry, e.retryDelay]),
    [
      [true, 100],
      [true, 200],
      [true, 400],
      [true, 400],
    ]
  );
  assert.ok(reqs.length >= 5);
  const expected = [100, 200, 400, 400];
  gaps(reqs.slice(0, 5)).forEach((gap, i) => {
    assert.ok(gap >= expected[i] * 0.9 && gap < expected[i] + 400, `gap ${i}: ${gap} ms, expected ≈${expected[i]}`);
  });
});

test('retry backoff with jitter: true: every delay is at most the computed one', async () => {
  const page = await ctx.page();
  const { log, reqs } = await ours(
    page,
    unique('jitter'),
    only({}),
    { retry: { initialDelay: 100, multiplier: 2, maxDelay: 400, jitter: true } },
    { until: "log.filter((e) => e.type === 'open').length >= 5", timeout: 6000 }
  );
  const ceiling = [100, 200, 400, 400];
  const delays = log.filter((e) => e.type === 'error').slice(0, 4).map((e) => e.retryDelay);
  assert.equal(delays.length, 4);
  delays.forEach((d, i) => assert.ok(d >= 0 && d <= ceiling[i], `delay ${i}: ${d} ms, at most ${ceiling[i]}`));
  assert.ok(delays.some((d, i) => d < ceiling[i]), `jitter shortened at least one delay: ${delays}`);
  gaps(reqs.slice(0, 5)).forEach((gap, i) => {
    assert.ok(gap < ceiling[i] + 300, `gap ${i}: ${gap} ms, at most ≈${ceiling[i]}`);
  });
});

test('retry.maxAttempts: after N failed reconnects an error with willRetry false, CLOSED, no more requests', async () => {
  const page = await ctx.page();
  const name = unique('max-attempts');
  // Every request is cut before anything arrives.
  const { log, reqs } = await ours(
    page,
    name,
    only({ end: 'cut' }),
    { retry: { initialDelay: 50, maxAttempts: 2 } },
    { until: 'es.readyState === 2', timeout: 5000 }
  );
  const errors = log.filter((e) => e.type === 'error');
  assert.deepEqual(
    errors.map((e) => [e.readyState, e.willRetry]),
    [
      [0, true],
      [0, true],
      [2, false],
    ]
  );
  assert.match(errors[2].message, /maxAttempts/);
  assert.ok(!log.some((e) => e.type === 'message'));
  assert.equal(reqs.length, 3, 'the first request and two reconnects');
  assert.equal(await reached(ctx.base, name, 4, 400), false, 'no fourth request');
});

test('retryOnStatus: a 503 with Retry-After: 1 reconnects after at least a second', async () => {
  const page = await ctx.page();
  const { log, reqs } = await ours(
    page,
    unique('retry-503'),
    {
      responses: [{ status: 503, headers: { 'retry-after': '1' }, body: [{ data: 'busy' }] }, stall('data: ok\n\n')],
    },
    { retryOnStatus: [503], retry: { initialDelay: 50 } },
    { until: "log.some((e) => e.type === 'message')", timeout: 6000 }
  );
  assert.deepEqual(
    log.map((e) => [e.type, e.readyState, e.status, e.willRetry, e.data]),
    [
      ['error', 0, 503, true, undefined],
      ['open', 1, undefined, undefined, undefined],
      ['message', 1, undefined, undefined, 'ok'],
    ]
  );
  assert.ok(log[0].retryDelay >= 1000, `retryDelay ${log[0].retryDelay} honours Retry-After`);
  assert.equal(reqs.length, 2);
  const [gap] = gaps(reqs);
  assert.ok(gap >= 900 && gap < 5000, `second request ${gap} ms after the first`);
});

test('a 503 without retryOnStatus fails the connection', async () => {
  const page = await ctx.page();
  const name = unique('plain-503');
  const { log, reqs } = await ours(
    page,
    name,
    only({ status: 503, headers: { 'retry-after': '0' }, body: [{ data: 'busy' }] }),
    { retry: { initialDelay: 50 } },
    { until: "log.some((e) => e.type === 'error')", timeout: 3000 }
  );
  assert.deepEqual(
    log.map((e) => [e.type, e.readyState, e.status, e.willRetry]),
    [['error', 2, 503, false]]
  );
  assert.equal(reqs.length, 1);
  assert.equal(await reached(ctx.base, name, 2, 400), false);
});

test('inactivityTimeout runs on a monotonic clock: the wall clock stepping back an hour does not stop it', async () => {
  const page = await ctx.page();
  const name = unique('monotonic');
  await script(ctx.base, name, only(stall('data: x\n\n')));
  const log = await page.evaluate(async (u) => {
    const realNow = Date.now;
    const es = new WasmEventSource(u, { inactivityTimeout: 600, retry: { maxAttempts: 0 } });
    const log = [];
    es.onerror = (e) => log.push(e.reason);
    // After the event has arrived (its time is the last activity)...
    await nextEvent(es, 'message');
    // ...the wall clock steps back (NTP, a time-zone bug, a user): silence
    // measured on it would look negative, and never long enough.
    Date.now = () => realNow() - 3600e3;
    try {
      await waitFor(() => log.length > 0, { what: 'the inactivity timeout (600 ms)' });
    } catch {
      // The assertion below says what went wrong.
    } finally {
      Date.now = realNow;
      es.close();
    }
    return log;
  }, `/sse/${name}`);
  assert.deepEqual(log, ['inactivity'], 'the silence is noticed after inactivityTimeout');
});

test('inactivityTimeout: a stalled stream reconnects; comments keep it alive', async () => {
  const page = await ctx.page();
  // 300 ms limit. The first response sends a comment every 100 ms for
  // 500 ms, then `b`, then nothing.
  const { log, reqs } = await ours(
    page,
    unique('inactivity'),
    {
      responses: [
        stall('data: a\n\n', 100, ':\n', 100, ':\n', 100, ': still here\n', 100, ':\n', 100, 'data: b\n\n'),
        stall('data: c\n\n'),
      ],
    },
    { inactivityTimeout: 300, retry: { initialDelay: 50 } },
    { until: "log.some((e) => e.data === 'c')", timeout: 5000 }
  );
  assert.deepEqual(
    log.map((e) => e.data ?? e.type),
    ['open', 'a', 'b', 'error', 'open', 'c']
  );
  const error = log[3];
  assert.equal(error.willRetry, true);
  assert.equal(error.readyState, 0);
  assert.match(error.message, /inactivity/i);
  assert.equal(reqs.length, 2);
});

test('signal: aborting closes the source (CLOSED, no event, the server sees it leave)', async () => {
  const page = await ctx.page();
  const name = unique('signal');
  await script(ctx.base, name, only(stall('data: a\n\n', 100, 'data: b\n\n', 100, 'data: c\n\n')));
  const r = await page.evaluate(async (u) => {
    const controller = new AbortController();
    const log = [];
    const es = new WasmEventSource(u, { signal: controller.signal });
    for (const t of ['open', 'message', 'error']) es.addEventListener(t, (e) => log.push(e.data ?? e.type));
    await nextEvent(es, 'message');
    controller.abort();
    const state = es.readyState;
    // Negative check: no event (`b` would come 100 ms after `a`) may fire within 300 ms of the abort.
    await sleep(300);
    return { log, state, later: es.readyState };
  }, `/sse/${name}`);
  assert.deepEqual(r, { log: ['open', 'a'], state: 2, later: 2 });
  assert.equal(await waitClosed(ctx.base, name, 1), 1);
  assert.equal((await requests(ctx.base, name)).length, 1);
});

test('signal: an already aborted signal gives a CLOSED source that never connects', async () => {
  const page = await ctx.page();
  const name = unique('aborted');
  await script(ctx.base, name, only(stall('data: a\n\n')));
  const r = await page.evaluate(async (u) => {
    const engines = liveEngines();
    const log = [];
    const es = new WasmEventSource(u, { signal: AbortSignal.abort() });
    const state = es.readyState;
    for (const t of ['open', 'message', 'error']) es.addEventListener(t, (e) => log.push(e.type));
    // Negative check: no event may fire and no engine may be started within 300 ms.
    await sleep(300);
    return { state, log, extraEngines: liveEngines() - engines };
  }, `/sse/${name}`);
  assert.deepEqual(r, { state: 2, log: [], extraEngines: 0 });
  assert.equal((await requests(ctx.base, name)).length, 0, 'no request');
});

test('fetch: a custom fetch is called with the URL and init of every attempt and can add headers', async () => {
  const page = await ctx.page();
  const name = unique('custom-fetch');
  await script(ctx.base, name, {
    responses: [closeAfter('retry: 50\nid: 1\ndata: a\n\n'), stall('data: b\n\n')],
  });
  const r = await page.evaluate(async (u) => {
    const calls = [];
    const log = await record(
      WasmEventSource,
      u,
      {
        fetch: (url, init) => {
          const headers = new Headers(init.headers);
          calls.push({
            url,
            method: init.method,
            accept: headers.get('accept'),
            lastEventId: headers.get('last-event-id'),
            signal: init.signal instanceof AbortSignal,
          });
          headers.set('X-Via', `custom ${calls.length}`);
          return fetch(url, { ...init, headers });
        },
      },
      { until: "log.filter((e) => e.type === 'message').length >= 2" }
    );
    return { calls, log: log.map((e) => e.data ?? e.type) };
  }, `/sse/${name}`);
  const url = `${ctx.base}/sse/${name}`;
  assert.deepEqual(r.calls, [
    { url, method: 'GET', accept: 'text/event-stream', lastEventId: null, signal: true },
    { url, method: 'GET', accept: 'text/event-stream', lastEventId: '1', signal: true },
  ]);
  assert.deepEqual(r.log, ['open', 'a', 'error', 'open', 'b']);
  const reqs = await requests(ctx.base, name);
  assert.deepEqual(
    reqs.map((q) => q.headers['x-via']),
    ['custom 1', 'custom 2']
  );
});

test('fetch: a custom fetch that resolves to something other than a Response fails each attempt with an error naming the option', async () => {
  const page = await ctx.page();
  const r = await page.evaluate(async () => {
    const run = (value) =>
      record(WasmEventSource, '/never-fetched', { fetch: async () => value, retry: { initialDelay: 10, maxAttempts: 1 } }, { until: 'es.readyState === 2' });
    const view = (log) => log.map((e) => [e.type, e.reason, e.willRetry, e.message]);
    return {
      undefined: view(await run(undefined)),
      object: view(await run({ status: 200 })),
      text: view(await run('data: x\n\n')),
    };
  });
  const words = { undefined: 'undefined', object: 'an Object', text: 'a string' };
  for (const [k, w] of Object.entries(words)) {
    const detail = `preparing the request failed: the fetch option resolved to ${w}, not a Response`;
    assert.deepEqual(r[k], [
      ['error', 'setup', true, `${detail}; reconnecting in 10 ms (attempt 1)`],
      ['error', 'setup', false, `${detail}; gave up after 1 reconnection attempts (retry.maxAttempts)`],
    ], k);
  }
});

test("fetch: the custom fetch's Response is what the source reads (also for a scheme fetch could not load)", async () => {
  const page = await ctx.page();
  const name = unique('synthetic');
  await script(ctx.base, name, only(stall('data: from the server\n\n')));
  const r = await page.evaluate(async (u) => {
    const fake = async () =>
      new Response('id: s1\ndata: synthetic\n\n', { headers: { 'content-type': 'text/event-stream' } });
    const view = (log) => log.map((e) => [e.type, e.data, e.lastEventId, e.origin]);
    return {
      http: view(await record(WasmEventSource, u, { fetch: fake }, { until: "log.some((e) => e.type === 'message')" })),
      custom: view(
        await record(WasmEventSource, 'app-internal://stream', { fetch: fake }, { until: "log.some((e) => e.type === 'message')" })
      ),
    };
  }, `/sse/${name}`);
  assert.deepEqual(r.http, [
    ['open', undefined, undefined, undefined],
    ['message', 'synthetic', 's1', ctx.base],
  ]);
  assert.deepEqual(r.custom.map((e) => e.slice(0, 3)), [
    ['open', undefined, undefined],
    ['message', 'synthetic', 's1'],
  ]);
  assert.equal((await requests(ctx.base, name)).length, 0, 'the global fetch was not used');
});

test('maxBufferSize: an event larger than the limit fails the source after delivering the earlier ones', async () => {
  const page = await ctx.page();
  const name = unique('overflow');
  const { log, reqs } = await ours(
    page,
    name,
    only(stall('data: small\n\n', 20, `data: ${'x'.repeat(300)}`, 20, 'x'.repeat(300))),
    { maxBufferSize: 100, retry: { initialDelay: 50 } },
    { until: "log.some((e) => e.type === 'error')", timeout: 3000 }
  );
  assert.deepEqual(
    log.map((e) => [e.type, e.readyState, e.data, e.willRetry]),
    [
      ['open', 1, undefined, undefined],
      ['message', 1, 'small', undefined],
      ['error', 2, undefined, false],
    ]
  );
  assert.match(log[2].message, /maxBufferSize/);
  assert.equal(reqs.length, 1);
  assert.equal(await waitClosed(ctx.base, name, 1), 1, 'the stream was aborted');
  assert.equal(await reached(ctx.base, name, 2, 300), false, 'no reconnect');
});

test('error events carry reason, status, willRetry, retryDelay, attempt and a message', async () => {
  const page = await ctx.page();
  const other = `http://localhost:${ctx.port}`;
  const cases = {
    notFound: [only({ status: 404, body: [{ data: 'nope' }] }), {}],
    ended: [only(closeAfter('retry: 150\ndata: x\n\n')), {}],
    wrongType: [only({ headers: { 'content-type': 'text/html' }, body: [{ data: '<p>' }] }), {}],
    cors: [{ cors: 'none', responses: [closeAfter('data: x\n\n')] }, { retry: { initialDelay: 120 } }, other],
    // A port nothing listens on: the server's own port plus one (servers
    // here pick free ports at random, so it is almost surely unused).
    network: [only(stall()), { retry: { initialDelay: 120 } }, `http://127.0.0.1:${ctx.port + 1}`],
  };
  const got = {};
  for (const [label, [spec, init, origin = '']] of Object.entries(cases)) {
    const name = unique('details');
    await script(ctx.base, name, spec);
    got[label] = await page.evaluate(
      ([u, init]) =>
        new Promise((resolve) => {
          const es = new WasmEventSource(u, init);
          es.addEventListener('error', (e) => {
            const readyState = es.readyState;
            es.close();
            resolve({
              isEvent: e.constructor === Event,
              readyState,
              reason: e.reason,
              attempt: e.attempt,
              status: e.status,
              willRetry: e.willRetry,
              retryDelay: e.retryDelay,
              message: e.message,
            });
          });
        }),
      [`${origin}/sse/${name}`, init]
    );
  }
  const { notFound, ended, wrongType, cors, network } = got;
  assert.deepEqual(
    { ...notFound, message: undefined },
    { isEvent: true, readyState: 2, reason: 'status', attempt: 0, status: 404, willRetry: false, retryDelay: undefined, message: undefined }
  );
  assert.match(notFound.message, /404/);
  assert.deepEqual(
    { ...ended, message: undefined },
    { isEvent: true, readyState: 0, reason: 'body-ended', attempt: 1, status: 200, willRetry: true, retryDelay: 150, message: undefined }
  );
  assert.match(ended.message, /reconnecting in 150 ms/);
  assert.deepEqual(
    { ...wrongType, message: undefined },
    { isEvent: true, readyState: 2, reason: 'content-type', attempt: 0, status: 200, willRetry: false, retryDelay: undefined, message: undefined }
  );
  assert.match(wrongType.message, /text\/html/);
  assert.deepEqual(
    { ...cors, message: undefined },
    { isEvent: true, readyState: 2, reason: 'cors', attempt: 0, status: undefined, willRetry: false, retryDelay: undefined, message: undefined }
  );
  assert.match(cors.message, /CORS/);
  assert.deepEqual(
    { ...network, message: undefined },
    { isEvent: true, readyState: 0, reason: 'network', attempt: 1, status: undefined, willRetry: true, retryDelay: 120, message: undefined }
  );
  assert.match(network.message, /network error/);
});

test('invalid options throw a TypeError naming the option, and start nothing', async () => {
  const page = await ctx.page();
  // [option named in the message, init as page-side source]
  const table = [
    ['method', "{ method: 'GE T' }"],
    ['method', "{ method: 'CONNECT' }"],
    ['method', '{ method: 42 }'],
    ['headers', '{ headers: 42 }'],
    ['headers', "{ headers: 'x' }"],
    ['headers', "{ headers: [['bad name', 'v']] }"],
    ['headers', "{ headers: [['only-a-name']] }"],
    ['body', "{ method: 'POST', body: 42 }"],
    ['body', "{ method: 'POST', body: {} }"],
    ['credentials', "{ credentials: 'always' }"],
    ['streamEnd', "{ streamEnd: 'never' }"],
    ['streamEnd', '{ streamEnd: true }'],
    ['lastEventId', '{ lastEventId: 42 }'],
    ['lastEventId', "{ lastEventId: 'a\\nb' }"],
    ['lastEventId', "{ lastEventId: 'a\\0b' }"],
    ['lastEventIdQueryParam', "{ lastEventIdQueryParam: '' }"],
    ['lastEventIdQueryParam', '{ lastEventIdQueryParam: 42 }'],
    ['retry', '{ retry: 5 }'],
    ['retry', '{ retry: null }'],
    ['retry.initialDelay', '{ retry: { initialDelay: -1 } }'],
    ['retry.initialDelay', "{ retry: { initialDelay: '100' } }"],
    ['retry.initialDelay', '{ retry: { initialDelay: NaN } }'],
    ['retry.maxDelay', '{ retry: { maxDelay: -5 } }'],
    ['retry.multiplier', '{ retry: { multiplier: 0.5 } }'],
    ['retry.jitter', '{ retry: { jitter: 1.5 } }'],
    ['retry.jitter', "{ retry: { jitter: 'yes' } }"],
    ['retry.maxAttempts', '{ retry: { maxAttempts: -1 } }'],
    ['retry.maxAttempts', '{ retry: { maxAttempts: 1.5 } }'],
    ['retryOnStatus', '{ retryOnStatus: 503 }'],
    ['retryOnStatus', '{ retryOnStatus: [99] }'],
    ['retryOnStatus', '{ retryOnStatus: [600] }'],
    ['retryOnStatus', "{ retryOnStatus: ['503'] }"],
    ['inactivityTimeout', '{ inactivityTimeout: 0 }'],
    ['inactivityTimeout', "{ inactivityTimeout: '1000' }"],
    ['signal', '{ signal: {} }'],
    ['signal', "{ signal: 'abort' }"],
    ['fetch', "{ fetch: 'fetch' }"],
    ['fetch', '{ fetch: {} }'],
    ['maxBufferSize', '{ maxBufferSize: 0 }'],
    ['maxBufferSize', '{ maxBufferSize: 1.5 }'],
    ['maxBufferSize', "{ maxBufferSize: '1MB' }"],
  ];
  const name = unique('invalid');
  await script(ctx.base, name, only(stall('data: x\n\n')));
  const r = await page.evaluate(
    async ([table, u]) => {
      const engines = liveEngines();
      const results = table.map(([, src]) => {
        try {
          const es = new WasmEventSource(u, new Function(`return (${src});`)());
          es.close();
          return { src, thrown: null };
        } catch (e) {
          return { src, thrown: e.constructor.name, message: e.message };
        }
      });
      // Negative check: no engine may be left and no request made within 100 ms.
      await sleep(100);
      return { results, extraEngines: liveEngines() - engines };
    },
    [table, `/sse/${name}`]
  );
  table.forEach(([option], i) => {
    const { src, thrown, message } = r.results[i];
    assert.equal(thrown, 'TypeError', `${src} must throw a TypeError`);
    assert.ok(message.includes(`'${option}'`), `${src}: "${message}" must name '${option}'`);
  });
  assert.equal(r.extraEngines, 0);
  assert.equal((await requests(ctx.base, name)).length, 0, 'no request was made');
});

test('a null init is fine; a body with GET or HEAD throws a TypeError naming body', async () => {
  const page = await ctx.page();
  const name = unique('null-init');
  const { log } = await ours(page, name, only(stall('data: x\n\n')), null, {
    until: "log.some((e) => e.type === 'message')",
  });
  assert.deepEqual(types(log), ['open', 'message']);
  const thrown = await page.evaluate(() =>
    [{ body: 'x' }, { method: 'get', body: 'x' }, { method: 'HEAD', body: new Blob(['x']) }].map((init) => {
      try {
        new WasmEventSource('/sse/unused', init).close();
        return null;
      } catch (e) {
        return [e.constructor.name, /'body'/.test(e.message)];
      }
    })
  );
  assert.deepEqual(thrown, [
    ['TypeError', true],
    ['TypeError', true],
    ['TypeError', true],
  ]);
  assert.deepEqual(messages(log), ['x']);
});
