// The stream APIs in a browser: EventStreamParser (a TransformStream from
// bytes to events), `for await` over a source with backpressure, and
// EventSource.fromReadableStream() as whatwg/html#12272 describes it (the
// behaviours of its web-platform-tests, web-platform-tests/wpt#58550, each
// checked here), against the scripted test server.
import test from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, closeAfter, only, script, setup, stall, unique } from './harness.mjs';

const ctx = setup(test);

/**
 * `for await` over a ReadableStream, which the parser tests' loops use.
 * WebKit (2.50) has none, so there the test page gets one that reads with
 * `getReader()`, as a Safari user would: test code, not the package's. The
 * parser itself runs unchanged in every engine.
 */
const streamIteration = (page) =>
  page.evaluate(() => {
    if (Symbol.asyncIterator in ReadableStream.prototype) return;
    ReadableStream.prototype[Symbol.asyncIterator] = async function* () {
      const reader = this.getReader();
      let done = false;
      try {
        for (;;) {
          const next = await reader.read();
          if (next.done) {
            done = true;
            return;
          }
          yield next.value;
        }
      } finally {
        if (!done) await reader.cancel();
        reader.releaseLock();
      }
    };
  });

/** The package's exports, in the page. */
const pkg = () => import('/pkg/index.js');

// ---------------------------------------------------------------- EventStreamParser

test('EventStreamParser: events with type, data and id; retry to onRetry; comments and unknown fields ignored', async () => {
  const page = await ctx.page();
  await streamIteration(page);
  const r = await page.evaluate(async () => {
    const { EventStreamParser } = await import('/pkg/parser.js');
    const retries = [];
    const text = ': hi\nid: 1\ndata: a\nfoo: bar\n\nevent: update\ndata: b\ndata: c\n\nretry: 2500\nid\ndata: d\n\nid: x\u0000y\ndata: e\n\ndata: unfinished';
    const body = new Blob([text]).stream().pipeThrough(new EventStreamParser({ onRetry: (ms) => retries.push(ms) }));
    const events = [];
    for await (const e of body) events.push(e);
    return { events, retries };
  });
  assert.deepEqual(r.events, [
    { type: 'message', data: 'a', lastEventId: '1' },
    { type: 'update', data: 'b\nc', lastEventId: '1' },
    { type: 'message', data: 'd', lastEventId: '' },
    // [spec] An id with NUL is ignored: the last event id stays.
    { type: 'message', data: 'e', lastEventId: '' },
  ]);
  assert.deepEqual(r.retries, [2500]);
});

test('EventStreamParser: a BOM, CR, LF and CRLF give the same events at every split of the input', async () => {
  const page = await ctx.page();
  await streamIteration(page);
  const r = await page.evaluate(async () => {
    const { EventStreamParser } = await import('/pkg/parser.js');
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('data: caf\u00e9\r\rid: 7\r\ndata: \u{1f600}\r\n\r\nevent: x\ndata: lf\n\n')]);
    const parse = async (chunks) => {
      const stream = new ReadableStream({
        start(c) {
          for (const chunk of chunks) c.enqueue(chunk);
          c.close();
        },
      });
      const out = [];
      for await (const e of stream.pipeThrough(new EventStreamParser())) out.push(`${e.type}|${e.data}|${e.lastEventId}`);
      return out.join(',');
    };
    const whole = await parse([bytes]);
    const splits = [];
    for (let i = 0; i <= bytes.length; i++) {
      for (const j of [i, Math.min(bytes.length, i + 1), Math.min(bytes.length, i + 3)]) {
        splits.push(await parse([bytes.slice(0, i), bytes.slice(i, j), bytes.slice(j)]));
      }
    }
    return { whole, differing: splits.filter((s) => s !== whole).length, tried: splits.length };
  });
  assert.equal(r.whole, 'message|café|,message|😀|7,x|lf|7');
  assert.equal(r.differing, 0, `${r.tried} splits`);
});

test('EventStreamParser: exceeding maxBufferSize errors the stream with a clear message; bad options throw TypeError', async () => {
  const page = await ctx.page();
  await streamIteration(page);
  const r = await page.evaluate(async () => {
    const { EventStreamParser } = await import('/pkg/parser.js');
    const got = [];
    let error;
    try {
      const body = new Blob(['data: ok\n\ndata: ' + 'x'.repeat(200)]).stream();
      for await (const e of body.pipeThrough(new EventStreamParser({ maxBufferSize: 64 }))) got.push(e.data);
    } catch (e) {
      error = `${e.constructor.name}: ${e.message}`;
    }
    const thrown = (f) => {
      try {
        f();
        return 'nothing';
      } catch (e) {
        return `${e.constructor.name}: ${e.message}`;
      }
    };
    return {
      got,
      error,
      badMax: thrown(() => new EventStreamParser({ maxBufferSize: 0 })),
      badRetry: thrown(() => new EventStreamParser({ onRetry: 5 })),
      badChunk: await new Blob(['x'])
        .stream()
        .pipeThrough(new TextDecoderStream())
        .pipeThrough(new EventStreamParser())
        .getReader()
        .read()
        .then(
          () => 'nothing',
          (e) => `${e.constructor.name}: ${e.message}`
        ),
    };
  });
  assert.equal(r.error, 'Error: an event exceeded maxBufferSize (64 bytes)');
  assert.match(r.badMax, /^TypeError: .*'maxBufferSize'/);
  assert.match(r.badRetry, /^TypeError: .*'onRetry'/);
  assert.match(r.badChunk, /^TypeError: EventStreamParser: chunks must be Uint8Array/);
});

test('EventStreamParser: an LLM-style POST read with fetch, piped through the parser, in a for await loop', async () => {
  const page = await ctx.page();
  await streamIteration(page);
  const r = await page.evaluate(async () => {
    const { EventStreamParser } = await import('/pkg/parser.js');
    const response = await fetch('/demo/chat', {
      method: 'POST',
      headers: { Authorization: 'Bearer test-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: 'one two three' }),
    });
    let answer = '';
    let done = null;
    for await (const event of response.body.pipeThrough(new EventStreamParser())) {
      if (event.type === 'done') done = JSON.parse(event.data);
      else if ('token' in JSON.parse(event.data)) answer += JSON.parse(event.data).token;
    }
    return { answer, done };
  });
  assert.equal(r.answer.trim(), 'one two three');
  assert.deepEqual(r.done, { tokens: 3 });
});

test("'wasm-eventsource/parser' loads the parser without the EventSource class", async () => {
  const page = await ctx.page('/gen/parser-only.html', { html: '<!doctype html><meta charset="utf-8"><title>parser only</title>' });
  await streamIteration(page);
  const r = await page.evaluate(async () => {
    const { EventStreamParser, ready } = await import('/pkg/parser.js');
    await ready;
    const events = [];
    for await (const e of new Blob(['data: hi\n\n']).stream().pipeThrough(new EventStreamParser())) events.push(e.data);
    const scripts = performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.js'));
    const texts = await Promise.all(scripts.map((p) => fetch(p).then((res) => res.text())));
    return { events, scripts, hasClass: texts.some((t) => t.includes('fromReadableStream')), name: EventStreamParser.name };
  });
  assert.deepEqual(r.events, ['hi']);
  assert.equal(r.name, 'EventStreamParser');
  assert.equal(r.hasClass, false, `loaded: ${r.scripts.join(', ')}`);
});

// ---------------------------------------------------------------- for await

test('for await yields every message with its type, keeps going across a reconnect, and break closes the source', async () => {
  const page = await ctx.page();
  const name = unique('iter');
  await script(ctx.base, name, {
    responses: [closeAfter('retry: 50\nid: 1\ndata: a\n\nevent: update\ndata: b\n\n'), stall('id: 2\ndata: c\n\n')],
  });
  const r = await page.evaluate(async (name) => {
    const es = new WasmEventSource(`/sse/${name}`);
    const seen = [];
    for await (const m of es) {
      seen.push([m.type, m.data, m.lastEventId, m.origin === location.origin]);
      if (m.data === 'c') break;
    }
    return { seen, readyState: es.readyState };
  }, name);
  assert.deepEqual(r.seen, [
    ['message', 'a', '1', true],
    ['update', 'b', '1', true],
    ['message', 'c', '2', true],
  ]);
  assert.equal(r.readyState, 2, 'break closed the source');
  const closed = await (await fetch(`${ctx.base}/_closed/${name}?count=1&timeout=5000`)).text();
  assert.equal(Number(closed), 1, 'the server saw the client leave');
});

test('for await: a fatal failure throws EventSourceError after the messages received; close() ends the loop; types filter', async () => {
  const page = await ctx.page();
  const failing = unique('iterfail');
  await script(ctx.base, failing, { responses: [closeAfter('retry: 50\ndata: a\n\ndata: b\n\n'), { status: 404 }] });
  const filtered = unique('itertypes');
  await script(ctx.base, filtered, only(stall('data: m\n\nevent: tick\ndata: t1\n\nevent: other\ndata: o\n\nevent: tick\ndata: t2\n\n')));
  const r = await page.evaluate(
    async ({ failing, filtered }) => {
      const { EventSourceError } = await import('/pkg/index.js');
      const seen = [];
      let thrown = null;
      try {
        for await (const m of new WasmEventSource(`/sse/${failing}`)) seen.push(m.data);
      } catch (e) {
        thrown = { isError: e instanceof EventSourceError, className: EventSourceError.name, name: e.name, reason: e.reason, status: e.status, message: e.message };
      }
      const es = new WasmEventSource(`/sse/${filtered}`);
      const ticks = [];
      for await (const m of es.messages({ types: ['tick'] })) {
        ticks.push(m.data);
        if (ticks.length === 2) setTimeout(() => es.close(), 0);
      }
      const closedFirst = new WasmEventSource(`/sse/${filtered}`);
      closedFirst.close();
      const none = [];
      for await (const m of closedFirst) none.push(m);
      return { seen, thrown, ticks, none };
    },
    { failing, filtered }
  );
  assert.deepEqual(r.seen, ['a', 'b']);
  assert.deepEqual(
    { ...r.thrown, message: undefined },
    { isError: true, className: 'EventSourceError', name: 'EventSourceError', reason: 'status', status: 404, message: undefined }
  );
  assert.match(r.thrown.message, /404/);
  assert.deepEqual(r.ticks, ['t1', 't2']);
  assert.deepEqual(r.none, []);
});

test('backpressure: a loop that stops taking messages stops the reading (in Chromium TCP holds the server back); memory stays bounded and nothing is lost', async (t) => {
  const page = await ctx.page();
  if (ENGINE === 'chromium') {
    // Chromium's network stack reads a response only as the page does, so
    // the server sees the loop stop. (Firefox's and WebKit's read the whole
    // response into memory whatever the page does: there a plain fetch()
    // whose reader stops after one read lets the server send all 100 MB
    // within a second too. What holds in every engine is checked below.)
    const flood = unique('flood');
    // 100 MB the server would write at once.
    await script(ctx.base, flood, only({ body: [{ repeat: { count: 1_000_000, data: `data: ${'x'.repeat(92)}\n\n` } }], end: 'stall' }));
    const paused = await page.evaluate(async (name) => {
      const es = new WasmEventSource(`/sse/${name}`);
      const it = es.messages({ highWaterMark: 100 });
      await it.next();
      const sent = async () => Number(await (await fetch(`/_sent/${name}`)).text());
      // Negative check: while the loop takes nothing, the server may not get to send the 100 MB within a second (unheld, it would).
      await sleep(1000);
      const first = await sent();
      // Negative check: nor send much more within the next 300 ms.
      await sleep(300);
      const second = await sent();
      await it.return();
      return { first, second };
    }, flood);
    assert.ok(paused.first < 30_000_000, `the server was held back: ${paused.first} bytes sent of 100 MB`);
    assert.ok(paused.second - paused.first < 2_000_000, `and stayed so: ${paused.first} then ${paused.second}`);
  }

  // Every engine: numbered events sent as fast as the socket takes them,
  // through a custom fetch that hands the body on only as the source reads
  // it (a pull source of high-water mark 0), so the page sees what the
  // source took. A loop that pauses now and then: at each pause the source
  // stops reading once its queue is full, holds at most `highWaterMark`
  // events and the one chunk that filled the queue, and reads nothing more
  // until the loop takes again; every event arrives, in order. The loop's
  // part of the package loads on first use: while it loads, the source
  // keeps the first chunk and reads no further.
  const r = await page.evaluate(async () => {
    const [n, size, highWaterMark] = [100_000, 100, 64];
    const prefix = 'retry: 3600000\n\n'.length;
    const body = { taken: 0, reads: 0, reading: false, last: 0 };
    const counting = async (url, init) => {
      const response = await fetch(url, init);
      const reader = response.body.getReader();
      const counted = new ReadableStream(
        {
          async pull(c) {
            body.reading = true;
            body.reads += 1;
            const { done, value } = await reader.read();
            body.reading = false;
            if (done) return c.close();
            body.taken += value.byteLength;
            body.last = value.byteLength;
            c.enqueue(value);
          },
          cancel: (reason) => reader.cancel(reason),
        },
        { highWaterMark: 0 }
      );
      return new Response(counted, { status: response.status, headers: response.headers });
    };
    const es = new WasmEventSource(`/bench?n=${n}&size=${size}&id=1&chunk=16384`, { fetch: counting });
    let next = 0;
    let wrong = null;
    const pauses = [];
    for await (const m of es.messages({ highWaterMark })) {
      if (!m.data.startsWith(`${next}:`) || m.lastEventId !== String(next)) wrong ??= `${next}: ${m.lastEventId} ${m.data.slice(0, 20)}`;
      next += 1;
      if (next % 20000 === 0 && next < n) {
        // The loop takes nothing now. Between two reads the source is busy
        // only in microtasks, so a check from a timer sees it either
        // waiting for a read or parked until the loop catches up.
        await waitFor(() => !body.reading, { what: `the source to stop reading at event ${next}`, seen: () => body });
        const reads = body.reads;
        const taken = body.taken;
        // Negative check: while the loop takes nothing, the source may not read any more of the body within 200 ms.
        await sleep(200);
        pauses.push({ at: next, reads: [reads, body.reads], taken: [taken, body.taken], held: body.taken - prefix - size * next, last: body.last });
      }
      if (next === n) break;
    }
    return { next, wrong, pauses, queueBytes: highWaterMark * size };
  });
  assert.deepEqual({ next: r.next, wrong: r.wrong }, { next: 100000, wrong: null }, 'every event, in order');
  assert.equal(r.pauses.length, 4);
  t.diagnostic(`${ENGINE}: held at the pauses ${r.pauses.map((p) => `${p.held} B (last chunk ${p.last} B)`).join(', ')}`);
  for (const p of r.pauses) {
    assert.equal(p.reads[1], p.reads[0], `the source read on while the loop paused at ${p.at}: ${JSON.stringify(p)}`);
    assert.equal(p.taken[1], p.taken[0], `the source took more while the loop paused at ${p.at}: ${JSON.stringify(p)}`);
    assert.ok(
      p.held <= r.queueBytes + p.last,
      `at ${p.at} the source held ${p.held} bytes: more than highWaterMark events (${r.queueBytes} bytes) and the chunk that filled the queue (${p.last})`
    );
  }
});

// ---------------------------------------------------------------- fromReadableStream (whatwg/html#12272)

test('fromReadableStream: an EventSource with url about:event-stream, CONNECTING, withCredentials false, the getters', async () => {
  const page = await ctx.page();
  const r = await page.evaluate(() => {
    const es = WasmEventSource.fromReadableStream(new Blob(['']).stream());
    const out = {
      instance: es instanceof WasmEventSource,
      readyState: es.readyState,
      url: es.url,
      withCredentials: es.withCredentials,
      lastEventId: es.lastEventId,
      reconnectionTime: es.reconnectionTime,
    };
    es.close();
    out.closed = es.readyState;
    const locked = new ReadableStream();
    locked.getReader();
    const thrown = (f) => {
      try {
        f();
        return 'nothing';
      } catch (e) {
        return e.constructor.name;
      }
    };
    out.lockedThrows = thrown(() => WasmEventSource.fromReadableStream(locked));
    out.notAStream = thrown(() => WasmEventSource.fromReadableStream('data: x\n\n'));
    // [spec] Every instance has the new getters.
    const plain = new WasmEventSource('/sse/unused', { lastEventId: '5' });
    out.plain = [plain.lastEventId, plain.reconnectionTime];
    plain.close();
    return out;
  });
  assert.deepEqual(r, {
    instance: true,
    readyState: 0,
    url: 'about:event-stream',
    withCredentials: false,
    lastEventId: '',
    reconnectionTime: 3000,
    closed: 2,
    lockedThrows: 'TypeError',
    notAStream: 'TypeError',
    plain: ['5', 3000],
  });
});

test('fromReadableStream: open, messages with origin "null", custom types, ids and retry, then one error and CLOSED at the end, no reconnection', async () => {
  const page = await ctx.page();
  const r = await page.evaluate(async () => {
    const chunks = ['da', 'ta: hel', 'lo\n\n: comment\nid: 42\nretry: 5000\nevent: custom\ndata: a\ndata: b\n\nretry: bogus\ndata: cr\r\rdata: crlf\r\n\r\n'];
    const stream = new ReadableStream({
      start(c) {
        for (const chunk of chunks) c.enqueue(new TextEncoder().encode(chunk));
        c.close();
      },
    });
    const es = WasmEventSource.fromReadableStream(stream);
    const log = [];
    const push = (e) =>
      log.push(
        e.type === 'error' || e.type === 'open'
          ? [e.type, es.readyState]
          : [e.type, e.data, e.lastEventId, e.origin, es.lastEventId, es.reconnectionTime]
      );
    for (const type of ['open', 'message', 'custom', 'error']) es.addEventListener(type, push);
    // The error at the end leaves the source CLOSED: nothing can follow it.
    await waitFor(() => log.some(([type]) => type === 'error'), { what: 'the error at the end of the stream', seen: () => log });
    return log;
  });
  assert.deepEqual(r, [
    ['open', 1],
    ['message', 'hello', '', 'null', '42', 5000],
    ['custom', 'a\nb', '42', 'null', '42', 5000],
    ['message', 'cr', '42', 'null', '42', 5000],
    ['message', 'crlf', '42', 'null', '42', 5000],
    ['error', 2],
  ]);
});

test('fromReadableStream: an empty stream, an erroring stream, a BOM, close() cancels the stream', async () => {
  const page = await ctx.page();
  const r = await page.evaluate(async () => {
    const errorsOf = async (stream) => {
      const es = WasmEventSource.fromReadableStream(stream);
      const log = [];
      es.onerror = (e) => log.push([es.readyState, e.reason]);
      es.onmessage = (e) => log.push(e.data);
      // The error leaves the source CLOSED: nothing can follow it.
      await waitFor(() => log.some(Array.isArray), { what: 'an error event', seen: () => log });
      return log;
    };
    const empty = await errorsOf(new Blob(['']).stream());
    const erroring = await errorsOf(new ReadableStream({ start: (c) => c.error(new Error('boom')) }));
    const bom = await errorsOf(new Blob([new Uint8Array([0xef, 0xbb, 0xbf]), 'data: hello\n\n']).stream());
    let cancelled = null;
    const endless = new ReadableStream({
      pull: () => new Promise(() => {}),
      cancel: (reason) => {
        cancelled = String(reason);
      },
    });
    const es = WasmEventSource.fromReadableStream(endless);
    // The source reads the stream (it holds the stream's reader).
    await waitFor(() => endless.locked, { what: 'the source to read the stream' });
    es.close();
    await waitFor(() => cancelled !== null, { timeout: 10000, what: 'close() to cancel the stream' }).catch(() => {});
    return { empty, erroring, bom, cancelled: cancelled !== null, state: es.readyState };
  });
  assert.deepEqual(r.empty, [[2, 'body-ended']]);
  assert.deepEqual(r.erroring, [[2, 'body-error']]);
  assert.deepEqual(r.bom, ['hello', [2, 'body-ended']]);
  assert.equal(r.cancelled, true, 'close() cancelled the supplied stream');
  assert.equal(r.state, 2);
});

test('fromReadableStream: a chunk that is not a Uint8Array (a string, a number, null, an ArrayBuffer) fails the source with an error that says so, never a silent end', async () => {
  const page = await ctx.page();
  const r = await page.evaluate(async () => {
    const run = (bad) =>
      new Promise((resolve) => {
        let cancelled = null;
        const stream = new ReadableStream({
          start(c) {
            // The events before the bad chunk arrive; the one after does not.
            c.enqueue(new TextEncoder().encode('data: before\n\n'));
            c.enqueue(bad);
            c.enqueue(new TextEncoder().encode('data: after\n\n'));
          },
          cancel(reason) {
            cancelled = `${reason?.name}: ${reason?.message}`;
          },
        });
        const es = WasmEventSource.fromReadableStream(stream);
        const log = [];
        es.onmessage = (e) => log.push(e.data);
        es.onerror = (e) => {
          log.push({ state: es.readyState, reason: e.reason, willRetry: e.willRetry, message: e.message });
          // Cancelling settles in a later task.
          const settled = () => resolve({ log, cancelled });
          waitFor(() => cancelled !== null, { what: 'the stream to be cancelled' }).then(settled, settled);
        };
      });
    return {
      string: await run('data: text\n\n'),
      number: await run(42),
      null: await run(null),
      arrayBuffer: await run(new TextEncoder().encode('data: x\n\n').buffer),
    };
  });
  const kinds = { string: 'a string', number: 'a number', null: 'null', arrayBuffer: 'an ArrayBuffer' };
  for (const [k, words] of Object.entries(kinds)) {
    const detail = `a chunk is ${words}, not a Uint8Array (encode text with a TextEncoderStream first)`;
    assert.deepEqual(r[k].log, ['before', { state: 2, reason: 'body-error', willRetry: false, message: `the stream errored: ${detail}` }], k);
    assert.equal(r[k].cancelled, `TypeError: ${detail}`, `${k}: the stream was cancelled with the reason`);
  }
});

test('fromReadableStream: the TransformStream pattern keeps lastEventId and reconnectionTime across piped streams; reset() drops a partial event', async () => {
  const page = await ctx.page();
  const r = await page.evaluate(async () => {
    const bytes = (s) => new Blob([s]).stream();
    const ts = new TransformStream();
    const es = WasmEventSource.fromReadableStream(ts.readable);
    const log = [];
    es.onmessage = (e) => log.push([e.data, e.lastEventId, es.lastEventId, es.reconnectionTime]);
    // Resolves once the source has taken everything written so far: the
    // readable side's high-water mark is 0, so a write (here of no bytes)
    // waits until the source asks for more, which it does only once it
    // has handled the chunk before.
    const taken = async () => {
      const writer = ts.writable.getWriter();
      await writer.write(new Uint8Array(0));
      writer.releaseLock();
    };
    await bytes('id: 42\nretry: 3000\ndata: first\n\ndata: partial').pipeTo(ts.writable, { preventClose: true });
    await taken();
    const between = [es.lastEventId, es.reconnectionTime];
    // A new "connection": what was left of the last one is dropped.
    es.reset();
    await bytes('data: after-reconnect\n\n').pipeTo(ts.writable, { preventClose: true });
    await waitFor(() => log.length >= 2, { what: 'the event after reset()', seen: () => log });
    es.close();
    return { log, between };
  });
  assert.deepEqual(r.between, ['42', 3000]);
  assert.deepEqual(r.log, [
    ['first', '42', '42', 3000],
    ['after-reconnect', '42', '42', 3000],
  ]);
});

test('fromReadableStream: a fetch() body; for await over it ends when the stream ends', async () => {
  const page = await ctx.page();
  const name = unique('fromfetch');
  await script(ctx.base, name, only(closeAfter('id: 42\nretry: 5000\ndata: hello\n\ndata: bye\n\n')));
  const r = await page.evaluate(async (name) => {
    const response = await fetch(`/sse/${name}`);
    const es = WasmEventSource.fromReadableStream(response.body);
    const seen = [];
    for await (const m of es) seen.push([m.data, m.lastEventId, m.origin]);
    return { seen, lastEventId: es.lastEventId, reconnectionTime: es.reconnectionTime, readyState: es.readyState };
  }, name);
  assert.deepEqual(r, {
    seen: [
      ['hello', '42', 'null'],
      ['bye', '42', 'null'],
    ],
    lastEventId: '42',
    reconnectionTime: 5000,
    readyState: 2,
  });
});
