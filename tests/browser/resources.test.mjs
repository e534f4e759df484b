// Resource hygiene: every source frees its wasm engine once it is closed or
// has failed, whatever state it was in (liveEngines() counts engines that
// exist), and a closed source leaves no request or connection behind.
import test from 'node:test';
import assert from 'node:assert/strict';
import { closeAfter, only, requests, script, setup, stall, unique } from './harness.mjs';

const ctx = setup(test);

test('1,000 sources opened and closed in every state leave no engine behind', async () => {
  const page = await ctx.page();
  const stalling = unique('many');
  const waiting = unique('waiting');
  await script(ctx.base, stalling, only(stall('data: hello\n\n')));
  // Ends at once and asks for a long wait: sources sit in "waiting to reconnect".
  await script(ctx.base, waiting, only(closeAfter('retry: 60000\ndata: bye\n\n')));
  const r = await page.evaluate(
    async ([stalling, waiting]) => {
      const before = liveEngines();
      const states = { open: 0, waiting: 0, sync: 0, microtask: 0, macrotask: 0 };
      let peak = 0;
      const mark = () => (peak = Math.max(peak, liveEngines()));
      // 10 that are OPEN (a browser allows 6 connections per host, so 5 at
      // a time) and 5 waiting to reconnect, then closed.
      for (let round = 0; round < 2; round++) {
        const open = Array.from({ length: 5 }, () => new WasmEventSource(`/sse/${stalling}`));
        await Promise.all(open.map((es) => nextEvent(es, 'message')));
        mark();
        for (const es of open) {
          if (es.readyState === 1) states.open++;
          es.close();
        }
      }
      const later = Array.from({ length: 5 }, () => new WasmEventSource(`/sse/${waiting}`));
      await Promise.all(later.map((es) => nextEvent(es, 'error')));
      for (const es of later) {
        if (es.readyState === 0) states.waiting++;
        es.close();
      }
      // 985 more in batches of 50, closed synchronously, after a microtask
      // (the engine has started) or after a macrotask (the fetch is in flight).
      for (let made = 0; made < 985; made += 50) {
        const batch = [];
        for (let i = 0; i < Math.min(50, 985 - made); i++) batch.push(new WasmEventSource(`/sse/${stalling}`));
        mark();
        const third = Math.ceil(batch.length / 3);
        for (const es of batch.slice(0, third)) es.close(), states.sync++;
        await null;
        for (const es of batch.slice(third, 2 * third)) es.close(), states.microtask++;
        await macrotasks(1);
        for (const es of batch.slice(2 * third)) es.close(), states.macrotask++;
      }
      await waitFor(() => liveEngines() === 0, { what: 'every engine to be freed', seen: liveEngines }).catch(() => {});
      return { before, peak, states, after: liveEngines() };
    },
    [stalling, waiting]
  );
  assert.deepEqual(r.states, { open: 10, waiting: 5, sync: 335, microtask: 335, macrotask: 315 });
  assert.equal(r.before, 0);
  assert.ok(r.peak >= 50, `engines existed while sources were open (peak ${r.peak})`);
  assert.equal(r.after, 0, 'every engine was freed');
  // The waiting sources never reconnected.
  assert.equal((await requests(ctx.base, waiting)).length, 5);
});

test('sources that fail (404, wrong Content-Type, 204) release their engine without close()', async () => {
  const page = await ctx.page();
  const specs = [
    only({ status: 404, body: [{ data: 'not here' }] }),
    only({ headers: { 'content-type': 'text/plain' }, body: [{ data: 'data: x\n\n' }] }),
    only({ status: 204 }),
  ];
  const names = specs.map(() => unique('failing'));
  await Promise.all(specs.map((spec, i) => script(ctx.base, names[i], spec)));
  const r = await page.evaluate(async (names) => {
    const before = liveEngines();
    const sources = names.flatMap((n) => Array.from({ length: 10 }, () => new WasmEventSource(`/sse/${n}`)));
    const during = liveEngines();
    await Promise.all(sources.map((es) => nextEvent(es, 'error')));
    await waitFor(() => liveEngines() === 0, { what: 'every engine to be freed', seen: liveEngines }).catch(() => {});
    return { before, during, states: [...new Set(sources.map((es) => es.readyState))], after: liveEngines() };
  }, names);
  assert.deepEqual(r, { before: 0, during: 30, states: [2], after: 0 });
});

test('a source closed one microtask after it was created does not leave its request running', async () => {
  const page = await ctx.page();
  const name = unique('closed-early');
  await script(ctx.base, name, only(stall('data: hello\n\n')));
  const r = await page.evaluate(async (u) => {
    const issued = [];
    const realFetch = window.fetch;
    // Watch the engine's fetches: each must be aborted once its source closed.
    window.fetch = (input, init) => {
      const entry = { aborted: init.signal.aborted };
      issued.push(entry);
      init.signal.addEventListener('abort', () => (entry.aborted = true));
      return realFetch(input, init);
    };
    try {
      for (let i = 0; i < 8; i++) {
        const es = new WasmEventSource(u);
        await null;
        es.close();
        // Each fetch the engine issued is aborted before the next source starts.
        await waitFor(() => issued.every((e) => e.aborted), { what: 'the closed source\'s fetch to be aborted', seen: () => issued }).catch(() => {});
      }
    } finally {
      window.fetch = realFetch;
    }
    // More than the browser's 6 connections per host were opened and
    // closed: a new source on the same host must still connect.
    const es = new WasmEventSource(u);
    const opened = await nextEvent(es, 'message', 8000).then(
      () => true,
      () => false
    );
    es.close();
    return { notAborted: issued.filter((e) => !e.aborted).length, opened };
  }, `/sse/${name}`);
  assert.deepEqual(r, { notAborted: 0, opened: true });
});
