// What the end of a POST stream does (the streamEnd option). A clean end
// (the chunked body's terminating chunk) means the answer is complete: with
// the default for methods with a body, `'close'`, the source fires one
// `error` (reason 'body-ended', willRetry false) and is CLOSED, and the
// request is never sent again. A connection cut mid-stream is a failure and
// reconnects with Last-Event-ID and the body again, as the standard's
// reconnection does, except where the engine's fetch cannot tell a cut from
// a clean end: WebKitGTK's reports a chunked body that stops without its
// terminating chunk as a normal end, so there a cut closes the source too.
// The README says so under streamEnd; `streamEnd: 'reconnect'` reconnects
// after any end, in every engine.
import test from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, closeAfter, requests, script, setup, steps, unique } from './harness.mjs';

const ctx = setup(test);

// The server cuts a while after the last event, so that the event has been
// read: Chromium's fetch discards bytes not yet read when the connection
// breaks (the README's "Bytes just before a network cut can be lost").
const READ_BEFORE_CUT = 300;

/** The events of `log` as [type, readyState, data or reason, willRetry]. */
const view = (log) => log.map((e) => [e.type, e.readyState, e.type === 'message' ? e.data : e.reason, e.willRetry]);

/** Opens a POST source on `/sse/{name}` and records it until it is CLOSED (or `until`). */
const post = (page, name, extra = {}, until = 'es.readyState === 2') =>
  page.evaluate(
    ([url, extra, until]) =>
      record(WasmEventSource, url, { method: 'POST', body: 'the prompt', retry: { initialDelay: 50 }, ...extra }, { until, timeout: 8000 }),
    [`/sse/${name}`, extra, until]
  );

test("POST, default streamEnd: a clean end closes the source and the request is sent once", async () => {
  const page = await ctx.page();
  const name = unique('post-clean-end');
  await script(ctx.base, name, { responses: [closeAfter('id: 1\ndata: the answer\n\n')] });
  const log = await post(page, name);
  assert.deepEqual(view(log), [
    ['open', 1, undefined, undefined],
    ['message', 1, 'the answer', undefined],
    ['error', 2, 'body-ended', false],
  ]);
  assert.equal(log.at(-1).message, 'the server ended the stream');
  assert.equal((await requests(ctx.base, name)).length, 1, 'the POST was not sent again');
});

test('POST, default streamEnd: a cut reconnects with Last-Event-ID and the body (WebKitGTK: its fetch reports the cut as a clean end)', async () => {
  const page = await ctx.page();
  const name = unique('post-cut');
  await script(ctx.base, name, {
    responses: [{ body: steps(['id: 1\ndata: first\n\n', READ_BEFORE_CUT]), end: 'cut' }, closeAfter('id: 2\ndata: second\n\n')],
  });
  const log = await post(page, name);
  const reqs = await requests(ctx.base, name);
  if (ENGINE === 'webkit') {
    assert.deepEqual(view(log), [
      ['open', 1, undefined, undefined],
      ['message', 1, 'first', undefined],
      ['error', 2, 'body-ended', false],
    ]);
    assert.equal(reqs.length, 1);
    return;
  }
  assert.deepEqual(view(log), [
    ['open', 1, undefined, undefined],
    ['message', 1, 'first', undefined],
    ['error', 0, 'body-error', true],
    ['open', 1, undefined, undefined],
    ['message', 1, 'second', undefined],
    ['error', 2, 'body-ended', false],
  ]);
  assert.equal(reqs.length, 2);
  assert.deepEqual(
    reqs.map((r) => [r.method, r.body, r.headers['last-event-id']]),
    [
      ['POST', 'the prompt', undefined],
      ['POST', 'the prompt', '1'],
    ]
  );
});

test("POST, streamEnd: 'reconnect': a clean end and a cut both reconnect with Last-Event-ID, in every engine", async () => {
  const page = await ctx.page();
  const name = unique('post-reconnect');
  await script(ctx.base, name, {
    responses: [
      closeAfter('id: 1\ndata: first\n\n'),
      { body: steps(['id: 2\ndata: second\n\n', READ_BEFORE_CUT]), end: 'cut' },
      { body: steps(['id: 3\ndata: third\n\n']), end: 'stall' },
    ],
  });
  const log = await post(page, name, { streamEnd: 'reconnect' }, "log.some((e) => e.data === 'third')");
  assert.deepEqual(
    log.filter((e) => e.type === 'message').map((e) => e.data),
    ['first', 'second', 'third']
  );
  const errors = log.filter((e) => e.type === 'error');
  assert.equal(errors.length, 2);
  assert.ok(errors.every((e) => e.willRetry && e.readyState === 0), JSON.stringify(errors));
  assert.equal(errors[0].reason, 'body-ended');
  const reqs = await requests(ctx.base, name);
  assert.deepEqual(
    reqs.map((r) => [r.method, r.body, r.headers['last-event-id']]),
    [
      ['POST', 'the prompt', undefined],
      ['POST', 'the prompt', '1'],
      ['POST', 'the prompt', '2'],
    ]
  );
});
