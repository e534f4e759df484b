// What the HTML standard says an EventSource does (HTML § 9.2, "Server-sent
// events", https://html.spec.whatwg.org/multipage/server-sent-events.html:
// § 9.2.2 the interface and its constructor, § 9.2.3 the processing model,
// § 9.2.4 Last-Event-ID, § 9.2.5-9.2.6 parsing and interpreting the
// stream), checked in each engine (TEST_BROWSER: Chromium, Firefox, WebKit) against
// the scripted test server. Every scenario runs through the browser's own
// EventSource (NativeEventSource) and ours (WasmEventSource): each test
// asserts the expected result AND that ours saw what native saw, ignoring the
// details only ours adds to `error` events (status, willRetry, retryDelay,
// message) and timing. Where an engine's native class deviates from the
// standard (nativeDeviation), the test says so, checks native against what
// it does and ours against the standard. Where a fetch-based EventSource
// cannot match native (README.md, "What differs from the native
// EventSource"), each class is checked against its own documented behaviour.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  ENGINE,
  both,
  closeAfter,
  gaps,
  nativeDeviation,
  only,
  reached,
  requests,
  script,
  setup,
  stall,
  standardView,
  startServer,
  testPageHtml,
  unique,
  utf8,
  waitClosed,
} from './harness.mjs';

const ctx = setup(test);

/** `fn` run in the page once per class (arg.C is the class's global name); resolves to { native, wasm }. */
async function inBoth(page, fn, arg = {}) {
  const [native, wasm] = await Promise.all(
    ['NativeEventSource', 'WasmEventSource'].map((C) => page.evaluate(fn, { ...arg, C }))
  );
  return { native, wasm };
}

/** Asserts ours logged what native logged (standard fields only). */
function sameAsNative(r, what = 'events') {
  assert.deepEqual(standardView(r.wasm), standardView(r.native), `ours must see the same ${what} as native`);
}

test('constructor: new only, URL parsing and resolution, getters, constants, toStringTag', async () => {
  const page = await ctx.page();
  const r = await inBoth(
    page,
    ({ C, port }) => {
      const Ctor = window[C];
      const thrown = (f) => {
        try {
          f();
          return 'nothing thrown';
        } catch (e) {
          return { ctor: e.constructor.name, name: e.name, isDOMException: e instanceof DOMException };
        }
      };
      const urlOf = (u) => {
        const es = new Ctor(u);
        es.close();
        return es.url;
      };
      const desc = (o, k) => {
        const d = Object.getOwnPropertyDescriptor(o, k);
        return d && { value: d.value, writable: d.writable, enumerable: d.enumerable, configurable: d.configurable };
      };
      const es = new Ctor('/sse/ctor-unscripted');
      const out = {
        withoutNew: thrown(() => Ctor('/sse/x')),
        noArguments: thrown(() => new Ctor()),
        badUrl: thrown(() => new Ctor('http://[bad')),
        badInit: thrown(() => new Ctor('/sse/x', 5)),
        urls: [
          urlOf('../sse/rel?q=1#frag'),
          urlOf('sibling'),
          urlOf({ toString: () => '/sse/from-object' }),
          urlOf(new URL(`http://localhost:${port}/sse/url-object`)),
          urlOf(`HTTP://127.0.0.1:${port}/a/./b/../c d`),
        ],
        url: es.url,
        readyState: es.readyState,
        withCredentials: es.withCredentials,
        withCredentialsTrue: (() => {
          const s = new Ctor('/sse/x', { withCredentials: 1 });
          s.close();
          return s.withCredentials;
        })(),
        nullInit: (() => {
          const s = new Ctor('/sse/x', null);
          s.close();
          return s.withCredentials;
        })(),
        constants: ['CONNECTING', 'OPEN', 'CLOSED'].map((k) => [Ctor[k], es[k], desc(Ctor, k), desc(Ctor.prototype, k)]),
        tag: Object.prototype.toString.call(es),
        protoTag: Object.prototype.toString.call(Ctor.prototype),
        isEventTarget: es instanceof EventTarget,
        ownProperties: Object.getOwnPropertyNames(es),
        getters: ['url', 'withCredentials', 'readyState'].map((k) => {
          const d = Object.getOwnPropertyDescriptor(Ctor.prototype, k);
          return [k, typeof d.get, d.set];
        }),
      };
      es.close();
      out.closed = es.readyState;
      es.close();
      out.closedTwice = es.readyState;
      return out;
    },
    { port: ctx.port }
  );
  const b = ctx.base;
  const expected = {
    withoutNew: { ctor: 'TypeError', name: 'TypeError', isDOMException: false },
    noArguments: { ctor: 'TypeError', name: 'TypeError', isDOMException: false },
    badUrl: { ctor: 'DOMException', name: 'SyntaxError', isDOMException: true },
    badInit: { ctor: 'TypeError', name: 'TypeError', isDOMException: false },
    urls: [
      `${b}/sse/rel?q=1#frag`,
      `${b}/tests/sibling`,
      `${b}/sse/from-object`,
      `http://localhost:${ctx.port}/sse/url-object`,
      `${b}/a/c%20d`,
    ],
    url: `${b}/sse/ctor-unscripted`,
    readyState: 0,
    withCredentials: false,
    withCredentialsTrue: true,
    nullInit: false,
    constants: [
      ['CONNECTING', 0],
      ['OPEN', 1],
      ['CLOSED', 2],
    ].map(([, v]) => {
      const d = { value: v, writable: false, enumerable: true, configurable: false };
      return [v, v, d, d];
    }),
    tag: '[object EventSource]',
    protoTag: '[object EventSource]',
    isEventTarget: true,
    ownProperties: [],
    getters: [
      ['url', 'function', undefined],
      ['withCredentials', 'function', undefined],
      ['readyState', 'function', undefined],
    ],
    closed: 2,
    closedTwice: 2,
  };
  assert.deepEqual(r.native, expected, 'native behaves as the standard says');
  assert.deepEqual(r.wasm, expected, 'ours behaves as the standard says');
});

test('constructor.length is 1, like native (WebIDL: one required argument)', async () => {
  const page = await ctx.page();
  const r = await inBoth(page, ({ C }) => window[C].length);
  assert.equal(r.native, 1);
  assert.equal(r.wasm, 1);
});

test('the class is named EventSource, like native', async () => {
  const page = await ctx.page();
  const r = await inBoth(page, ({ C }) => {
    const es = new window[C]('/sse/x', {});
    es.close();
    const { value, writable, enumerable, configurable } = Object.getOwnPropertyDescriptor(window[C], 'name');
    return [window[C].name, es.constructor.name, { value, writable, enumerable, configurable }];
  });
  assert.deepEqual(r.native, [
    'EventSource',
    'EventSource',
    { value: 'EventSource', writable: false, enumerable: false, configurable: true },
  ]);
  assert.deepEqual(r.wasm, r.native);
});

test('relative URLs resolve against the document base URL (<base href>), also after it changes', async () => {
  const page = await ctx.page('/gen/based/page.html', {
    html: testPageHtml('<base href="/sse/base-dir/">'),
    wait: true,
  });
  const r = await inBoth(page, ({ C }) => {
    const Ctor = window[C];
    const urlOf = (u) => {
      const es = new Ctor(u);
      es.close();
      return es.url;
    };
    const first = [urlOf('x?y=1'), urlOf('../up'), urlOf('/abs')];
    const base = document.querySelector('base');
    const old = base.getAttribute('href');
    base.setAttribute('href', '/moved/');
    const second = urlOf('x');
    base.setAttribute('href', old);
    return { baseURI: document.baseURI, first, second };
  });
  const b = ctx.base;
  const expected = {
    baseURI: `${b}/sse/base-dir/`,
    first: [`${b}/sse/base-dir/x?y=1`, `${b}/sse/up`, `${b}/abs`],
    second: `${b}/moved/x`,
  };
  assert.deepEqual(r.native, expected);
  assert.deepEqual(r.wasm, expected);
});

test('event-handler attributes: listener order, replace keeps position, null removes, non-objects are null, this is the source', async () => {
  const page = await ctx.page();
  const name = unique('handlers');
  const spec = only(stall('data: m1\n\n', 30, 'data: m2\n\n', 30, 'data: m3\n\n'));
  await Promise.all(['native', 'wasm'].map((w) => script(ctx.base, `${name}-${w}`, spec)));
  const r = await inBoth(
    page,
    ({ C, name }) =>
      new Promise((resolve) => {
        const calls = [];
        const es = new window[C](`/sse/${name}-${C === 'NativeEventSource' ? 'native' : 'wasm'}`);
        const checks = { initial: [es.onopen, es.onmessage, es.onerror] };
        const handler = (label) =>
          function (e) {
            calls.push(`${label}:${e.type}:${e.data ?? ''}:${this === es}`);
          };
        const A = (e) => calls.push(`A:${e.data}`);
        const H1 = handler('H1');
        const H2 = handler('H2');
        const H3 = handler('H3');
        es.addEventListener('message', A);
        es.onmessage = H1;
        es.addEventListener('message', (e) => {
          calls.push(`B:${e.data}`);
          if (e.data === 'm1') {
            es.onmessage = null;
            checks.afterNull = es.onmessage;
          } else if (e.data === 'm2') {
            es.onmessage = H3;
          } else {
            // After this dispatch, in which H3 (now last) still runs.
            setTimeout(() => {
              es.close();
              resolve({ calls, checks });
            }, 0);
          }
        });
        // Replacing the handler keeps its place between A and B.
        es.onmessage = H2;
        checks.replaced = es.onmessage === H2;
        es.onopen = handler('O');
        es.onerror = 'not a function';
        checks.stringIsNull = es.onerror;
        es.onerror = 42;
        checks.numberIsNull = es.onerror;
        const obj = { handleEvent() {} };
        es.onerror = obj;
        checks.objectKept = es.onerror === obj;
        es.onerror = null;
        setTimeout(() => resolve({ calls, checks, timedOut: true }), 10000);
      }),
    { name }
  );
  const expected = {
    calls: ['O:open::true', 'A:m1', 'H2:message:m1:true', 'B:m1', 'A:m2', 'B:m2', 'A:m3', 'B:m3', 'H3:message:m3:true'],
    checks: {
      initial: [null, null, null],
      replaced: true,
      stringIsNull: null,
      numberIsNull: null,
      objectKept: true,
      afterNull: null,
    },
  };
  assert.deepEqual(r.native, expected);
  assert.deepEqual(r.wasm, expected);
});

test('open, message and named events; fields, comments and unknown fields parsed like native', async () => {
  const page = await ctx.page();
  const body =
    ': a comment\n' +
    'data: one\n\n' +
    'event: ping\ndata: p1\n\n' +
    'event: update\nid: 7\ndata: line1\ndata: line2\n\n' +
    'data:no-space\n\n' +
    'data:  two spaces\n\n' +
    'event\ndata\n\n' +
    'unknown: field\ndata: after-unknown\nid\n\n' +
    'data: last\n\n';
  const r = await both(ctx, page, unique('events'), only(stall(body)), {
    types: ['ping', 'update'],
    until: "log.filter((e) => e.type !== 'open').length >= 8",
  });
  const o = ctx.base;
  const m = (type, data, lastEventId = '') => ({ type, readyState: 1, data, lastEventId, origin: o });
  assert.deepEqual(standardView(r.native), [
    { type: 'open', readyState: 1 },
    m('message', 'one'),
    m('ping', 'p1'),
    m('update', 'line1\nline2', '7'),
    m('message', 'no-space', '7'),
    m('message', ' two spaces', '7'),
    m('message', '', '7'),
    m('message', 'after-unknown', ''),
    m('message', 'last', ''),
  ]);
  sameAsNative(r);
});

test('open fires when the response headers arrive, before the first body byte', async () => {
  const page = await ctx.page();
  // Headers at once, the first body byte a second later.
  const r = await both(ctx, page, unique('headers-first'), only({ body: [{ delay: 1000 }, { data: 'data: late\n\n' }], end: 'stall' }), {
    until: "log.some((e) => e.type === 'message')",
    timeout: 5000,
  });
  const at = (log, type) => log.find((e) => e.type === type)?.t;
  const gap = (log) => at(log, 'message') - at(log, 'open');
  sameAsNative(r);
  assert.deepEqual(standardView(r.native).map((e) => e.type), ['open', 'message']);
  // [spec] The connection is announced (open) once the response is
  // processed: its status and headers, not its body.
  const quirk = nativeDeviation({
    firefox: 'Firefox native fires open only with the first body byte (its fetch reports the response only then)',
  });
  if (quirk) assert.ok(gap(r.native) < 200, `native deviates from the standard: ${quirk} (open ${gap(r.native)} ms before the message)`);
  else assert.ok(gap(r.native) >= 700, `native: open ${gap(r.native)} ms before the message`);
  if (ENGINE === 'firefox') {
    // Documented limit (README): Firefox's fetch() resolves only at the first
    // body byte, so no fetch-based EventSource can open earlier there; ours
    // opens with it, as Firefox's own class does.
    assert.ok(gap(r.wasm) < 200, `ours in Firefox: open with the first body byte (${gap(r.wasm)} ms before the message)`);
  } else {
    assert.ok(gap(r.wasm) >= 700, `ours: open ${gap(r.wasm)} ms before the message`);
  }
});

test('readyState goes CONNECTING → OPEN → CONNECTING → OPEN across a reconnect', async () => {
  const page = await ctx.page();
  const r = await both(
    ctx,
    page,
    unique('states'),
    { responses: [closeAfter('retry: 50\ndata: a\n\n'), stall('data: b\n\n')] },
    { constructed: true, until: "log.filter((e) => e.type === 'message').length >= 2" }
  );
  assert.deepEqual(
    standardView(r.native).map((e) => [e.type, e.readyState]),
    [
      ['constructed', 0],
      ['open', 1],
      ['message', 1],
      ['error', 0],
      ['open', 1],
      ['message', 1],
    ]
  );
  sameAsNative(r);
});

test('204, 404, 500, text/html and a missing Content-Type fail the connection: error, CLOSED, no more requests', async () => {
  const page = await ctx.page();
  const failures = {
    s204: { status: 204 },
    s404: { status: 404, body: [{ data: 'retry: 50\ndata: x\n\n' }] },
    s500: { status: 500, body: [{ data: 'retry: 50\ndata: x\n\n' }] },
    html: { headers: { 'content-type': 'text/html' }, body: [{ data: 'retry: 50\ndata: x\n\n' }] },
    noType: { headers: { 'content-type': null }, body: [{ data: 'retry: 50\ndata: x\n\n' }] },
  };
  const runs = [];
  for (const [label, failing] of Object.entries(failures)) {
    // On the first request, and on a reconnect after `retry: 50`, so a
    // wrong reconnect would show up within the wait below.
    runs.push([`${label} first`, 1, { responses: [failing] }]);
    runs.push([`${label} on reconnect`, 2, { responses: [closeAfter('retry: 50\ndata: ok\n\n'), failing] }]);
  }
  const results = await Promise.all(
    runs.map(async ([label, count, spec]) => {
      const r = await both(ctx, page, unique('fail'), spec, {
        until: "log.some((e) => e.type === 'error' && e.readyState === 2)",
        timeout: 4000,
      });
      const more = await Promise.all(Object.values(r.names).map((n) => reached(ctx.base, n, count + 1, 600)));
      return { label, count, r, more };
    })
  );
  for (const { label, count, r, more } of results) {
    const expected =
      count === 1
        ? [{ type: 'error', readyState: 2 }]
        : [
            { type: 'open', readyState: 1 },
            { type: 'message', readyState: 1, data: 'ok', lastEventId: '', origin: ctx.base },
            { type: 'error', readyState: 0 },
            { type: 'error', readyState: 2 },
          ];
    assert.deepEqual(standardView(r.native), expected, `${label}: native`);
    assert.deepEqual(standardView(r.wasm), expected, `${label}: ours`);
    assert.deepEqual([r.nativeReqs.length, r.wasmReqs.length], [count, count], `${label}: requests`);
    assert.deepEqual(more, [false, false], `${label}: no request after the failure`);
  }
});

test('text/event-stream with parameters and in any case is accepted', async () => {
  const page = await ctx.page();
  for (const type of ['text/event-stream; charset=utf-8', 'TEXT/EVENT-STREAM', 'Text/Event-Stream;charset=UTF-8']) {
    const r = await both(
      ctx,
      page,
      unique('ctype'),
      { responses: [{ headers: { 'content-type': type }, body: [{ data: 'data: ok\n\n' }], end: 'stall' }] },
      { until: "log.some((e) => e.type === 'message')", timeout: 4000 }
    );
    assert.deepEqual(
      standardView(r.wasm).map((e) => [e.type, e.data]),
      [
        ['open', undefined],
        ['message', 'ok'],
      ],
      type
    );
    sameAsNative(r, `events for ${type}`);
  }
});

test('the request: GET, Accept: text/event-stream, no-store cache headers, cors mode, no Last-Event-ID at first', async () => {
  const page = await ctx.page();
  const r = await both(ctx, page, unique('request'), only(stall('data: x\n\n')), {
    until: "log.some((e) => e.type === 'message')",
  });
  const view = (req) => ({
    method: req.method,
    body: req.body,
    accept: req.headers.accept,
    lastEventId: req.headers['last-event-id'],
    cacheControl: req.headers['cache-control'],
    pragma: req.headers.pragma,
    mode: req.headers['sec-fetch-mode'],
    dest: req.headers['sec-fetch-dest'],
    origin: req.headers.origin,
  });
  const expected = {
    method: 'GET',
    body: '',
    accept: 'text/event-stream',
    lastEventId: undefined,
    cacheControl: 'no-cache',
    pragma: 'no-cache',
    mode: 'cors',
    dest: 'empty',
    origin: undefined,
  };
  assert.equal(r.nativeReqs.length, 1);
  assert.deepEqual(view(r.nativeReqs[0]), expected, 'native');
  assert.deepEqual(r.wasmReqs.map(view), [expected], 'ours');
});

test('end of stream reconnects with Last-Event-ID (none on the first request); an unterminated event is dropped', async () => {
  const page = await ctx.page();
  const r = await both(
    ctx,
    page,
    unique('lastid'),
    {
      responses: [
        // `id: 43` alone updates the id without firing; `data: partial`
        // has no blank line before the end of the stream.
        closeAfter('retry: 50\nid: 42\ndata: a\n\nid: 43\n\ndata: partial'),
        stall('data: b\n\n'),
      ],
    },
    { until: "log.filter((e) => e.type === 'message').length >= 2" }
  );
  const o = ctx.base;
  // [spec] Dispatch first sets the source's last event ID from the buffer,
  // even for a block without data: after `id: 43` alone it is 43.
  const expected = (id) => [
    { type: 'open', readyState: 1 },
    { type: 'message', readyState: 1, data: 'a', lastEventId: '42', origin: o },
    { type: 'error', readyState: 0 },
    { type: 'open', readyState: 1 },
    { type: 'message', readyState: 1, data: 'b', lastEventId: id, origin: o },
  ];
  const quirk = nativeDeviation({
    firefox: 'Firefox native ignores the id of a block without data (keeps 42, and reconnects with it)',
    webkit: 'WebKit native ignores the id of a block without data (keeps 42, and reconnects with it)',
  });
  const nativeId = quirk ? '42' : '43';
  assert.deepEqual(standardView(r.native), expected(nativeId), quirk ? `native deviates from the standard: ${quirk}` : 'native');
  assert.deepEqual(standardView(r.wasm), expected('43'), 'ours follows the standard');
  for (const [who, reqs, id] of [
    ['native', r.nativeReqs, nativeId],
    ['ours', r.wasmReqs, '43'],
  ]) {
    assert.equal(reqs.length, 2, who);
    assert.equal(reqs[0].headers['last-event-id'], undefined, `${who}: first request has no Last-Event-ID`);
    assert.equal(reqs[1].headers['last-event-id'], id, `${who}: reconnect sends the last id${who === 'native' && quirk ? ` (${quirk})` : ''}`);
  }
});

test('a non-ASCII last event id is sent as its UTF-8 bytes', async () => {
  const page = await ctx.page();
  for (const id of ['résumé-ÿ', 'é€😀']) {
    const r = await both(
      ctx,
      page,
      unique('utf8id'),
      { responses: [closeAfter(`retry: 50\nid: ${id}\ndata: a\n\n`), stall('data: b\n\n')] },
      { until: "log.filter((e) => e.type === 'message').length >= 2" }
    );
    assert.deepEqual(
      standardView(r.native).filter((e) => e.type === 'message').map((e) => e.lastEventId),
      [id, id]
    );
    sameAsNative(r);
    for (const [who, reqs] of [
      ['native', r.nativeReqs],
      ['ours', r.wasmReqs],
    ]) {
      assert.equal(reqs.length, 2, who);
      if (who === 'ours' && ENGINE === 'webkit' && /[^\u0000-\u00ff]/.test(id)) {
        // Documented limit: WebKitGTK UTF-8-encodes each character of a
        // header value and headers take only characters up to U+00FF, so no
        // value gives this id's bytes; ours sends no header rather than a
        // wrong one (lastEventIdQueryParam carries such ids).
        assert.equal(reqs[1].headers_raw['last-event-id'], undefined, `${who}: ${id}`);
        continue;
      }
      assert.deepEqual(reqs[1].headers_raw['last-event-id'], utf8(id), `${who}: raw header bytes of ${id}`);
    }
  }
});

test('retry: sets the reconnection delay (200 ms vs 1500 ms between requests)', async () => {
  const page = await ctx.page();
  const runs = await Promise.all(
    [200, 1500].map(async (ms) => {
      const r = await both(
        ctx,
        page,
        unique(`retry${ms}`),
        { responses: [closeAfter(`retry: ${ms}\ndata: a\n\n`), stall('data: b\n\n')] },
        { until: "log.filter((e) => e.type === 'message').length >= 2", timeout: 8000 }
      );
      return { ms, r };
    })
  );
  for (const { ms, r } of runs) {
    sameAsNative(r);
    for (const [who, reqs] of [
      ['native', r.nativeReqs],
      ['ours', r.wasmReqs],
    ]) {
      assert.equal(reqs.length, 2, `${who} retry ${ms}`);
      const [gap] = gaps(reqs);
      assert.ok(gap >= ms * 0.9, `${who}: retry ${ms} reconnected after ${gap} ms`);
      assert.ok(gap < (ms < 1000 ? 1000 : 5000), `${who}: retry ${ms} reconnected after ${gap} ms`);
    }
  }
});

test('a stream cut by a network error reconnects; the unterminated event is dropped', async () => {
  const page = await ctx.page();
  const r = await both(
    ctx,
    page,
    unique('cut'),
    {
      responses: [
        // The pause lets the page read the bytes before the cut: a fetch
        // body stream that errors drops chunks not yet read (Streams
        // standard), so without it ours may never see them (native does).
        { body: [{ data: 'retry: 50\ndata: a\n\ndata: partial' }, { delay: 100 }], end: 'cut' },
        stall('data: b\n\n'),
      ],
    },
    { until: "log.filter((e) => e.type === 'message').length >= 2" }
  );
  assert.deepEqual(
    standardView(r.native).map((e) => [e.type, e.readyState, e.data]),
    [
      ['open', 1, undefined],
      ['message', 1, 'a'],
      ['error', 0, undefined],
      ['open', 1, undefined],
      ['message', 1, 'b'],
    ]
  );
  sameAsNative(r);
});

test('a 307 redirect to another origin (with CORS) is followed and sets origin to the final origin', async () => {
  const page = await ctx.page();
  const target = unique('redir-target');
  const other = `http://localhost:${ctx.port}`;
  await Promise.all(
    ['native', 'wasm'].map((w) => script(ctx.base, `${target}-${w}`, only(stall('id: r1\ndata: moved\n\n'))))
  );
  const name = unique('redir');
  // Each class's redirect points at its own target script.
  const r = await Promise.all(
    ['native', 'wasm'].map((w) =>
      script(ctx.base, `${name}-${w}`, {
        responses: [{ status: 307, headers: { location: `${other}/sse/${target}-${w}` } }],
      })
    )
  ).then(() =>
    page.evaluate(
      ([a, b]) =>
        Promise.all([
          record(NativeEventSource, a, undefined, { until: "log.some((e) => e.type === 'message')" }),
          record(WasmEventSource, b, undefined, { until: "log.some((e) => e.type === 'message')" }),
        ]),
      [`/sse/${name}-native`, `/sse/${name}-wasm`]
    )
  );
  const expected = [
    { type: 'open', readyState: 1 },
    { type: 'message', readyState: 1, data: 'moved', lastEventId: 'r1', origin: other },
  ];
  assert.deepEqual(standardView(r[0]), expected, 'native');
  assert.deepEqual(standardView(r[1]), expected, 'ours');
  for (const w of ['native', 'wasm']) {
    const [redirected] = await requests(ctx.base, `${target}-${w}`);
    assert.equal(redirected.headers.host, `localhost:${ctx.port}`, `${w}: request reached the other origin`);
    assert.equal(redirected.headers.origin, ctx.base, `${w}: a CORS request from the page's origin`);
  }
});

test('close() while CONNECTING fires nothing and leaves no request behind', async () => {
  const page = await ctx.page();
  for (const when of ['sync', 'macrotask']) {
    const name = unique(`close-connecting-${when}`);
    // A macrotask is long enough for a warm connection to bring the headers
    // in Firefox and WebKit (native and ours are then OPEN), so there the
    // stream redirects to a long poll of the test server, which sends its
    // headers only after 5 s: the fetch is in flight, without a response.
    const spec = (w) =>
      when === 'sync'
        ? only(stall('data: x\n\n'))
        : only({ status: 307, headers: { location: `/_wait/${name}-${w}-held?count=1&timeout=5000` } });
    await Promise.all(['native', 'wasm'].map((w) => script(ctx.base, `${name}-${w}`, spec(w))));
    const r = await inBoth(
      page,
      async ({ C, name, when }) => {
        const log = [];
        const es = new window[C](`/sse/${name}-${C === 'NativeEventSource' ? 'native' : 'wasm'}`);
        for (const t of ['open', 'message', 'error']) es.addEventListener(t, (e) => log.push(e.type));
        if (when === 'macrotask') await macrotasks(1);
        const before = es.readyState;
        es.close();
        const after = es.readyState;
        // Negative check: no event may fire and the state may not change within 300 ms of close().
        await sleep(300);
        return { before, after, log, later: es.readyState };
      },
      { name, when }
    );
    const expected = { before: 0, after: 2, log: [], later: 2 };
    assert.deepEqual(r.native, expected, `native (${when})`);
    assert.deepEqual(r.wasm, expected, `ours (${when})`);
    for (const w of ['native', 'wasm']) {
      const reqs = await requests(ctx.base, `${name}-${w}`);
      assert.ok(reqs.length <= 1, `${w} (${when}): at most the one request`);
      // (The redirect's response ended; the long poll it led to is not counted.)
      if (reqs.length && when === 'sync') {
        // Chromium may hold an aborted response for a few seconds to drain
        // it before closing the connection, hence the long wait.
        assert.equal(await waitClosed(ctx.base, `${name}-${w}`, 1, 9000), 1, `${w} (${when}): the request was aborted`);
      }
      assert.equal(await reached(ctx.base, `${name}-${w}`, 2, 100), false, `${w} (${when}): no reconnect`);
    }
  }
});

test('close() while OPEN aborts the stream: the server sees the client leave, no more events', async () => {
  const page = await ctx.page();
  const name = unique('close-open');
  const spec = only(stall('data: a\n\n', 100, 'data: b\n\n', 100, 'data: c\n\n'));
  await Promise.all(['native', 'wasm'].map((w) => script(ctx.base, `${name}-${w}`, spec)));
  await page.evaluate((name) => {
    window.logs = {};
    for (const [C, w] of [
      [NativeEventSource, 'native'],
      [WasmEventSource, 'wasm'],
    ]) {
      const log = (window.logs[w] = []);
      const es = new C(`/sse/${name}-${w}`);
      for (const t of ['open', 'message', 'error']) {
        es.addEventListener(t, (e) => {
          log.push([e.type, e.data, es.readyState]);
          if (e.data === 'a') {
            es.close();
            log.push(['closed', es.readyState]);
          }
        });
      }
    }
  }, name);
  for (const w of ['native', 'wasm']) {
    assert.equal(await waitClosed(ctx.base, `${name}-${w}`, 1), 1, `${w}: server saw the client leave`);
  }
  // Negative check: no `b` (the server would send it 100 ms after `a`) may be dispatched within 300 ms.
  const logs = await page.evaluate(() => sleep(300).then(() => window.logs));
  const expected = [
    ['open', undefined, 1],
    ['message', 'a', 1],
    ['closed', 2],
  ];
  assert.deepEqual(logs.native, expected, 'native');
  assert.deepEqual(logs.wasm, expected, 'ours');
});

test('close() while waiting to reconnect cancels the reconnect', async () => {
  const page = await ctx.page();
  const name = unique('close-waiting');
  await Promise.all(
    ['native', 'wasm'].map((w) => script(ctx.base, `${name}-${w}`, { responses: [closeAfter('retry: 500\ndata: a\n\n')] }))
  );
  const r = await inBoth(
    page,
    async ({ C, name }) => {
      const log = [];
      const es = new window[C](`/sse/${name}-${C === 'NativeEventSource' ? 'native' : 'wasm'}`);
      for (const t of ['open', 'message', 'error']) es.addEventListener(t, (e) => log.push([e.type, es.readyState]));
      await nextEvent(es, 'error');
      // The error's task is over: the source waits out `retry: 500`.
      await macrotasks(1);
      const waiting = es.readyState;
      es.close();
      // Negative check: no reconnection (due 500 ms after the error) and no event may come within 1 s of close().
      await sleep(1000);
      return { waiting, log, state: es.readyState };
    },
    { name }
  );
  const expected = {
    waiting: 0,
    log: [
      ['open', 1],
      ['message', 1],
      ['error', 0],
    ],
    state: 2,
  };
  assert.deepEqual(r.native, expected, 'native');
  assert.deepEqual(r.wasm, expected, 'ours');
  for (const w of ['native', 'wasm']) {
    assert.equal((await requests(ctx.base, `${name}-${w}`)).length, 1, `${w}: no second request`);
  }
});

test('close() from a message listener drops the rest of the chunk (other listeners still see the current event)', async () => {
  const page = await ctx.page();
  const name = unique('close-in-listener');
  await Promise.all(
    ['native', 'wasm'].map((w) => script(ctx.base, `${name}-${w}`, only(stall('data: 1\n\ndata: 2\n\ndata: 3\n\n'))))
  );
  const r = await inBoth(
    page,
    async ({ C, name }) => {
      const log = [];
      const es = new window[C](`/sse/${name}-${C === 'NativeEventSource' ? 'native' : 'wasm'}`);
      es.addEventListener('message', (e) => {
        log.push(`first:${e.data}`);
        if (e.data === '1') es.close();
      });
      es.addEventListener('message', (e) => log.push(`second:${e.data}:${es.readyState}`));
      es.addEventListener('error', () => log.push('error'));
      await nextEvent(es, 'message');
      // Negative check: neither the rest of the chunk (2, 3) nor an error may be dispatched within 200 ms of close().
      await sleep(200);
      return log;
    },
    { name }
  );
  assert.deepEqual(r.native, ['first:1', 'second:1:2']);
  assert.deepEqual(r.wasm, r.native);
});

test('a CORS refusal fails the connection, once, like native (missing, wrong or empty Access-Control-Allow-Origin)', async () => {
  const page = await ctx.page();
  const other = `http://localhost:${ctx.port}`;
  // Bodies that end: a refused response must not hold one of the six
  // connections a host gets.
  const cases = {
    missing: { cors: 'none', responses: [closeAfter('retry: 50\ndata: secret\n\n')] },
    wrong: {
      responses: [{ ...closeAfter('retry: 50\ndata: secret\n\n'), headers: { 'Access-Control-Allow-Origin': 'http://wrong.example' } }],
    },
    empty: { responses: [{ ...closeAfter('retry: 50\ndata: secret\n\n'), headers: { 'Access-Control-Allow-Origin': '' } }] },
  };
  for (const [label, spec] of Object.entries(cases)) {
    const r = await both(ctx, page, unique(`cors-${label}`), spec, {
      url: (n) => `${other}/sse/${n}`,
      // Native ignores the unknown member; ours would retry quickly with it.
      init: { retry: { initialDelay: 50 } },
      until: "es.readyState === 2 || log.filter((e) => e.type === 'error').length >= 2",
      timeout: 3000,
    });
    // [spec] A CORS failure is a network error the processing model fails
    // the connection for: one error event, CLOSED, no reconnection.
    assert.deepEqual(standardView(r.native), [{ type: 'error', readyState: 2 }], `${label}: native`);
    sameAsNative(r, `${label}: events`);
    assert.deepEqual(
      r.wasm.map((e) => [e.reason, e.willRetry, e.status]),
      [['cors', false, undefined]],
      `${label}: ours says it was CORS`
    );
    assert.match(r.wasm[0].message, /CORS/);
    // Ours asked once more, with a no-cors HEAD, to tell CORS from the network.
    assert.equal(await reached(ctx.base, r.names.native, 2, 300), false, `${label}: native does not reconnect`);
    const attempts = (await requests(ctx.base, r.names.wasm)).filter((q) => !q.preflight);
    assert.deepEqual(
      attempts.map((q) => q.method),
      ['GET', 'HEAD'],
      `${label}: ours: the request and one no-cors probe, no reconnection`
    );
    assert.ok(!r.wasm.some((e) => e.type === 'message'), `${label}: nothing leaked through`);
  }
});

test('a network error cross-origin still reconnects (the no-cors probe fails too)', async () => {
  const page = await ctx.page();
  // A port nothing listens on: a second server, stopped.
  const gone = await startServer();
  const url = `http://localhost:${gone.port}/sse/x`;
  await gone.stop();
  const log = await page.evaluate(
    (u) => record(WasmEventSource, u, { retry: { initialDelay: 50 } }, { until: "log.length >= 2", timeout: 5000 }),
    url
  );
  assert.deepEqual(
    log.map((e) => [e.type, e.readyState, e.reason, e.willRetry]),
    [
      ['error', 0, 'network', true],
      ['error', 0, 'network', true],
    ]
  );
});

test('a rejected preflight on a cross-origin reconnect is one CORS failure, not a loop (native sends no preflight)', async () => {
  const page = await ctx.page();
  const other = `http://localhost:${ctx.port}`;
  // Responses readable cross-origin (ACAO *), preflights refused (cors none).
  const spec = {
    cors: 'none',
    responses: [{ ...closeAfter('retry: 50\nid: 1\ndata: a\n\n'), headers: { 'Access-Control-Allow-Origin': '*' } }],
  };
  const r = await both(ctx, page, unique('preflight'), spec, {
    url: (n) => `${other}/sse/${n}`,
    until: "es.readyState === 2 || log.filter((e) => e.type === 'open').length >= 2",
    timeout: 4000,
  });
  // Native: Last-Event-ID needs no preflight for its own requests, so it
  // reconnects and reads the stream again.
  assert.deepEqual(
    standardView(r.native).map((e) => e.type),
    ['open', 'message', 'error', 'open'],
    'native reconnects'
  );
  // Ours: fetch must preflight Last-Event-ID cross-origin; the server
  // refuses the preflight: one CORS failure, CLOSED.
  assert.deepEqual(
    r.wasm.map((e) => [e.type, e.readyState, e.reason]),
    [
      ['open', 1, undefined],
      ['message', 1, undefined],
      ['error', 0, 'body-ended'],
      ['error', 2, 'cors'],
    ]
  );
  const seen = (await requests(ctx.base, r.names.wasm)).length;
  // Negative check: no further request (a second preflight) may reach the server within 300 ms.
  assert.equal(await reached(ctx.base, r.names.wasm, seen + 1, 300), false, 'no request after the CORS failure');
  const preflights = (await requests(ctx.base, r.names.wasm)).filter((q) => q.preflight);
  assert.equal(preflights.length, 1, 'one preflight, no loop');
});

test('window.stop() closes a streaming source with one error, like native', async () => {
  const page = await ctx.page();
  const names = { native: unique('stop-native'), wasm: unique('stop-wasm') };
  for (const n of Object.values(names)) await script(ctx.base, n, only(stall('retry: 50\ndata: a\n\n')));
  const quirk = nativeDeviation({
    webkit: 'WebKit native ignores window.stop(): no error, it stays OPEN (and receives nothing more)',
  });
  const r = await page.evaluate(async ([names, quirk]) => {
    const logs = {};
    const sources = {};
    for (const [k, C] of [['native', NativeEventSource], ['wasm', WasmEventSource]]) {
      const es = (sources[k] = new C(`/sse/${names[k]}`));
      const log = (logs[k] = []);
      for (const type of ['open', 'message', 'error']) {
        es.addEventListener(type, (e) => log.push([type, es.readyState, e.reason]));
      }
    }
    await Promise.all(Object.values(sources).map((es) => nextEvent(es, 'message')));
    window.stop();
    const failing = quirk ? ['wasm'] : ['native', 'wasm'];
    await waitFor(() => failing.every((k) => logs[k].some(([type]) => type === 'error')), {
      what: `an error event from ${failing.join(' and ')} after window.stop()`,
      seen: () => logs,
    });
    // Negative check: nothing more may fire (no second error, no reconnection, in WebKit no error from native) within 500 ms.
    await sleep(500);
    const states = {};
    for (const [k, es] of Object.entries(sources)) {
      states[k] = es.readyState;
      es.close();
    }
    return { ...logs, states };
  }, [names, quirk ?? null]);
  // [spec] window.stop() aborts the document's fetches; an aborted fetch
  // fails the connection: one error event, CLOSED.
  const standard = [
    ['open', 1],
    ['message', 1],
    ['error', 2],
  ];
  if (quirk) {
    assert.deepEqual(r.native.map(([t, s]) => [t, s]), standard.slice(0, 2), `native deviates from the standard: ${quirk}`);
    assert.equal(r.states.native, 1, `native deviates from the standard: ${quirk}`);
  } else {
    assert.deepEqual(r.native.map(([t, s]) => [t, s]), standard, 'native');
  }
  assert.deepEqual(r.wasm.map(([t, s]) => [t, s]), standard, 'ours follows the standard');
  assert.equal(r.states.wasm, 2);
  assert.equal(r.wasm[2][2], 'aborted');
  assert.equal(await reached(ctx.base, names.wasm, 2, 300), false, 'ours does not reconnect');
});

test('URLs the URL standard rejects throw SyntaxError (forbidden host code points), even where the browser parser is lenient', async () => {
  const page = await ctx.page();
  const bad = ['http://this is invalid/', 'http://exa%20mple/', 'http://a<b/', 'http://a^b/', 'http://a%25b/', 'https://a|b/x'];
  const good = ['http://localhost/x', 'http://xn--caf-dma.example/', 'http://[::1]:8080/', 'http://a%41b/'];
  const r = await inBoth(
    page,
    ({ C, bad, good }) => {
      const outcome = (u) => {
        try {
          new window[C](u).close();
          return 'ok';
        } catch (e) {
          return `${e.constructor.name}:${e.name}`;
        }
      };
      return { bad: bad.map(outcome), good: good.map(outcome), parser: bad.map((u) => { try { new URL(u); return 'ok'; } catch { return 'throws'; } }) };
    },
    { bad, good }
  );
  // [spec] Every bad URL fails to parse under the URL standard: SyntaxError.
  assert.deepEqual(r.wasm.bad, bad.map(() => 'DOMException:SyntaxError'), 'ours follows the URL standard');
  assert.deepEqual(r.wasm.good, good.map(() => 'ok'));
  assert.deepEqual(r.native.good, good.map(() => 'ok'));
  // Native uses the browser's own parser; where it accepts a bad URL, so
  // does native EventSource (Chromium accepts all of them, percent-encoded).
  r.native.parser.forEach((p, i) => {
    const expected = p === 'ok' ? 'ok' : 'DOMException:SyntaxError';
    assert.equal(r.native.bad[i], expected, `native on ${bad[i]} follows its URL parser (deviates from the standard where 'ok')`);
  });
});

test('cross-origin with CORS (Access-Control-Allow-Origin: *) works; origin is the stream origin', async () => {
  const page = await ctx.page();
  const other = `http://localhost:${ctx.port}`;
  const r = await both(
    ctx,
    page,
    unique('cors'),
    { cors: 'anonymous', responses: [stall('data: hi\n\n')] },
    { url: (n) => `${other}/sse/${n}`, until: "log.some((e) => e.type === 'message')" }
  );
  assert.deepEqual(standardView(r.native), [
    { type: 'open', readyState: 1 },
    { type: 'message', readyState: 1, data: 'hi', lastEventId: '', origin: other },
  ]);
  sameAsNative(r);
  for (const reqs of [r.nativeReqs, r.wasmReqs]) {
    assert.equal(reqs.length, 1);
    assert.equal(reqs[0].headers.origin, ctx.base);
    assert.equal(reqs[0].preflight, false, 'no preflight for the standard request');
  }
});

test('withCredentials: cookies go cross-origin only with it, and need a credentials CORS response', async () => {
  // A second server: same host (so the page's cookie applies), other port
  // (so it is cross-origin).
  const other = await startServer();
  try {
    const page = await ctx.page();
    await page.evaluate(() => {
      document.cookie = 'session=abc; path=/';
    });
    const run = (cors, withCredentials) =>
      both(
        ctx,
        page,
        unique(`cred-${cors}-${withCredentials}`),
        { cors, responses: [stall('data: hi\n\n')] },
        {
          base: other.base,
          url: (n) => `${other.base}/sse/${n}`,
          init: { withCredentials },
          until: "log.some((e) => e.type === 'message' || e.type === 'error')",
          timeout: 3000,
        }
      );
    const works = [
      { type: 'open', readyState: 1 },
      { type: 'message', readyState: 1, data: 'hi', lastEventId: '', origin: other.base },
    ];
    const withCreds = await run('credentials', true);
    assert.deepEqual(standardView(withCreds.native), works);
    sameAsNative(withCreds);
    assert.equal(withCreds.nativeReqs[0].headers.cookie, 'session=abc', 'native sent the cookie');
    assert.equal(withCreds.wasmReqs[0].headers.cookie, 'session=abc', 'ours sent the cookie');

    const without = await run('credentials', false);
    assert.deepEqual(standardView(without.native), works);
    sameAsNative(without);
    assert.equal(without.nativeReqs[0].headers.cookie, undefined, 'native: no cookie without withCredentials');
    assert.equal(without.wasmReqs[0].headers.cookie, undefined, 'ours: no cookie without withCredentials');

    // `Access-Control-Allow-Origin: *` does not allow a credentialed read:
    // a CORS failure, which fails the connection.
    const wildcard = await run('anonymous', true);
    assert.deepEqual(standardView(wildcard.native), [{ type: 'error', readyState: 2 }], 'native fails');
    sameAsNative(wildcard);
    assert.equal(wildcard.wasm[0].reason, 'cors');
  } finally {
    await other.stop();
  }
});

test('UTF-8 BOM, CRLF/CR line ends and code points split across chunks decode like native', async () => {
  const page = await ctx.page();
  const chunks = [
    [0xef, 0xbb], // the BOM, split
    [0xbf, ...utf8('data: caf'), 0xc3], // é split
    [0xa9, ...utf8('\r')], // CR at the end of a chunk...
    [...utf8('\ndata: '), 0xf0, 0x9f], // ...LF at the start of the next: one line end; 😀 split
    [0x98, 0x80, ...utf8('\r\n\r')],
    utf8('\n'),
    utf8('\uFEFFdata: a second BOM is not skipped\r\n\r\n'),
    utf8('data: cr\r\rdata: lf\n\ndata: €uro\r\n\r\n'),
  ];
  const body = chunks.flatMap((bytes) => [{ bytes }, { delay: 15 }]);
  const r = await both(
    ctx,
    page,
    unique('decode'),
    { responses: [{ body, end: 'stall' }] },
    { until: "log.filter((e) => e.type === 'message').length >= 4" }
  );
  const standard = ['café\n😀', 'cr', 'lf', '€uro'];
  const quirk = nativeDeviation({
    webkit:
      'WebKit native does not drop a BOM split across chunks: the first line becomes the unknown field "\uFEFFdata" (a whole BOM is dropped)',
  });
  assert.deepEqual(
    r.native.filter((e) => e.type === 'message').map((e) => e.data),
    quirk ? ['😀', ...standard.slice(1)] : standard,
    quirk ? `native deviates from the standard: ${quirk}` : 'native'
  );
  if (quirk) assert.deepEqual(r.wasm.filter((e) => e.type === 'message').map((e) => e.data), standard, 'ours follows the standard');
  else sameAsNative(r);
});

test('invalid UTF-8 becomes U+FFFD like native', async () => {
  const page = await ctx.page();
  const lines = [
    [...utf8('data: a'), 0xff, ...utf8('b')],
    [...utf8('data: '), 0xc3, 0x28],
    [...utf8('data: '), 0xed, 0xa0, 0x80, 0x20, 0xf0, 0x9f, 0x98],
    [...utf8('data: '), 0xc0, 0xaf, 0xe2, 0x82],
  ];
  const body = lines.flatMap((bytes) => [{ bytes: [...bytes, 10, 10] }, { delay: 10 }]);
  const r = await both(
    ctx,
    page,
    unique('invalid'),
    { responses: [{ body, end: 'stall' }] },
    { until: "log.filter((e) => e.type === 'message').length >= 4" }
  );
  const decoder = new TextDecoder();
  const expected = lines.map((l) => decoder.decode(Uint8Array.from(l.slice(6))));
  assert.ok(expected.every((s) => s.includes('\uFFFD')));
  assert.deepEqual(
    r.native.filter((e) => e.type === 'message').map((e) => e.data),
    expected
  );
  sameAsNative(r);
});

// Documented difference (README): between events of one chunk ours yields one
// microtask turn, not a task, so only reactions one level deep are guaranteed
// to run before the next event. This checks that level, like native.
test('a promise reaction queued by a listener runs before the next event of the same chunk, like native', async () => {
  const page = await ctx.page();
  const name = unique('microtasks');
  await Promise.all(
    ['native', 'wasm'].map((w) => script(ctx.base, `${name}-${w}`, only(stall('data: 1\n\ndata: 2\n\ndata: 3\n\n'))))
  );
  const r = await inBoth(
    page,
    ({ C, name }) =>
      new Promise((resolve) => {
        const log = [];
        const es = new window[C](`/sse/${name}-${C === 'NativeEventSource' ? 'native' : 'wasm'}`);
        es.addEventListener('message', async (e) => {
          log.push(`event ${e.data}`);
          await null;
          log.push(`await 1 after ${e.data}`);
          if (e.data === '3') {
            es.close();
            resolve(log);
          }
        });
        setTimeout(() => resolve(log), 10000);
      }),
    { name }
  );
  const expected = ['1', '2', '3'].flatMap((d) => [`event ${d}`, `await 1 after ${d}`]);
  assert.deepEqual(r.native, expected, 'native');
  assert.deepEqual(r.wasm, expected, 'ours');
});

test('a listener that throws does not stop the stream; the exception reaches window.onerror', async () => {
  const page = await ctx.page();
  const name = unique('throws');
  const spec = only(stall('data: 1\n\ndata: 2\n\n', 30, 'data: 3\n\n'));
  await Promise.all(['native', 'wasm'].map((w) => script(ctx.base, `${name}-${w}`, spec)));
  const r = await inBoth(
    page,
    ({ C, name }) =>
      new Promise((resolve) => {
        const w = C === 'NativeEventSource' ? 'native' : 'wasm';
        const reported = [];
        const previous = window.onerror;
        window.onerror = (msg, src, line, col, err) => {
          if (err && String(err.message).endsWith(w)) reported.push(err.message);
          else if (previous) return previous(msg, src, line, col, err);
          return true;
        };
        const seen = [];
        const es = new window[C](`/sse/${name}-${w}`);
        es.addEventListener('message', (e) => {
          if (e.data !== '3') throw new Error(`listener ${e.data} ${w}`);
        });
        es.onmessage = (e) => {
          if (e.data === '2') throw new Error(`handler ${e.data} ${w}`);
        };
        es.addEventListener('message', (e) => {
          seen.push(e.data);
          if (e.data === '3') {
            es.close();
            resolve({ seen, reported, state: es.readyState });
          }
        });
        setTimeout(() => resolve({ seen, reported, timedOut: true }), 10000);
      }),
    { name }
  );
  const expected = (w) => ({
    seen: ['1', '2', '3'],
    reported: [`listener 1 ${w}`, `listener 2 ${w}`, `handler 2 ${w}`],
    state: 2,
  });
  assert.deepEqual(r.native, expected('native'));
  assert.deepEqual(r.wasm, expected('wasm'));
});

test('events are MessageEvents like native: source null, no ports, not bubbling or cancelable', async () => {
  const page = await ctx.page();
  const name = unique('shape');
  await Promise.all(
    ['native', 'wasm'].map((w) =>
      script(ctx.base, `${name}-${w}`, { responses: [closeAfter('retry: 50\nevent: custom\ndata: x\n\n'), stall()] })
    )
  );
  const r = await inBoth(
    page,
    ({ C, name }) =>
      new Promise((resolve) => {
        const es = new window[C](`/sse/${name}-${C === 'NativeEventSource' ? 'native' : 'wasm'}`);
        const out = {};
        const describe = (e) => ({
          ctor: e.constructor.name,
          isMessageEvent: e instanceof MessageEvent,
          bubbles: e.bubbles,
          cancelable: e.cancelable,
          composed: e.composed,
          eventPhase: e.eventPhase,
          target: e.target === es,
          currentTarget: e.currentTarget === es,
          defaultPrevented: e.defaultPrevented,
          positiveTimeStamp: e.timeStamp > 0,
          isTrusted: e.isTrusted,
          ...(e instanceof MessageEvent
            ? { source: e.source, ports: e.ports.length, portsFrozen: Object.isFrozen(e.ports), data: e.data }
            : {}),
        });
        const grab = (e) => {
          if (!(e.type in out)) out[e.type] = describe(e);
          if (e.type === 'open' && 'error' in out) {
            es.close();
            resolve(out);
          }
        };
        for (const t of ['open', 'custom', 'error']) es.addEventListener(t, grab);
        setTimeout(() => resolve(out), 10000);
      }),
    { name }
  );
  const plain = { ctor: 'Event', isMessageEvent: false, bubbles: false, cancelable: false, composed: false };
  const common = { eventPhase: 2, target: true, currentTarget: true, defaultPrevented: false, positiveTimeStamp: true };
  const expected = (isTrusted) => ({
    open: { ...plain, ...common, isTrusted },
    custom: {
      ...plain,
      ctor: 'MessageEvent',
      isMessageEvent: true,
      ...common,
      isTrusted,
      source: null,
      ports: 0,
      portsFrozen: true,
      data: 'x',
    },
    error: { ...plain, ...common, isTrusted },
  });
  assert.deepEqual(r.native, expected(true), 'native');
  // Events dispatched from script are never trusted (documented difference).
  assert.deepEqual(r.wasm, expected(false), 'ours');
});

test('a URL scheme fetch cannot load fails the connection (error, CLOSED), without retrying', async () => {
  const page = await ctx.page();
  const r = await page.evaluate(() =>
    Promise.all(
      [NativeEventSource, WasmEventSource].map((C) =>
        // Negative check (quiet): after the error, nothing more (no retry) may fire within 500 ms.
        record(C, 'ftp://127.0.0.1/stream', undefined, { until: 'log.length >= 1', quiet: 500 })
      )
    )
  );
  assert.deepEqual(standardView(r[0]), [{ type: 'error', readyState: 2 }], 'native');
  assert.deepEqual(standardView(r[1]), [{ type: 'error', readyState: 2 }], 'ours');
});
