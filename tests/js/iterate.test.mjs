// The iteration queue (pkg-template/iterate.js) under Node: what a
// `for await` loop over a source sees, and when it holds the reading back.
// The class feeds it one network chunk at a time as core.js `events()`
// gives them: `data\rtype\rid\r` per event, split on '\r' (so a trailing
// empty part); these tests build the same arrays.
import test from 'node:test';
import assert from 'node:assert/strict';
import { load } from './modules.mjs';

const { iterate } = await load('iterate.js');

/** The parts of one chunk holding `events` ([type, data, id] each). */
const chunk = (...events) => [...events.flatMap(([type, data, id = '']) => [data, type, id]), ''];

/** A recorder as the class makes one; `detached` counts detach() calls. */
function recorder({ types, highWaterMark = 4, backlog = [], ended = null } = {}) {
  const r = { types: types && new Set(types), highWaterMark, backlog, ended, detached: 0 };
  r.detach = () => r.detached++;
  return r;
}

const take = async (it, n) => {
  const out = [];
  for (let i = 0; i < n; i++) out.push((await it.next()).value);
  return out;
};
/** Whether `promise` has settled once the microtasks queued so far ran. */
const settled = async (promise) => {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true)
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

test('messages recorded before the module loaded come first, in order, with their fields', async () => {
  const r = recorder({ backlog: [[chunk(['message', 'a', '1'], ['tick', 'b', '2']), 'https://o']] });
  const it = iterate(r);
  r.feed(chunk(['message', 'c', '3']), 'https://o');
  assert.deepEqual(await take(it, 3), [
    { type: 'message', data: 'a', lastEventId: '1', origin: 'https://o' },
    { type: 'tick', data: 'b', lastEventId: '2', origin: 'https://o' },
    { type: 'message', data: 'c', lastEventId: '3', origin: 'https://o' },
  ]);
});

test('a backlog that puts the loop highWaterMark behind holds the reading until it has caught up halfway', async () => {
  const many = chunk(['message', 'a'], ['message', 'b'], ['message', 'c'], ['message', 'd'], ['message', 'e']);
  const r = recorder({ backlog: [[many, 'o']] });
  const it = iterate(r);
  assert.ok(r.behind instanceof Promise, 'the class waits on recorder.behind');
  await take(it, 2);
  assert.equal(await settled(r.behind), false, 'three still queued: above half of 4');
  await take(it, 1);
  assert.equal(await settled(r.behind), true, 'two queued: caught up halfway');
  // A backlog within the mark holds nothing.
  const small = recorder({ backlog: [[chunk(['message', 'a']), 'o']] });
  iterate(small);
  assert.equal(small.behind, undefined);
});

test('types keeps only the wanted event types', async () => {
  const r = recorder({ types: ['b'] });
  const it = iterate(r);
  r.feed(chunk(['a', '1'], ['b', '2'], ['a', '3'], ['b', '4']), 'o');
  r.end(null, false);
  const seen = [];
  for await (const m of { [Symbol.asyncIterator]: () => it }) seen.push(m.data);
  assert.deepEqual(seen, ['2', '4']);
});

test('a waiting next() is answered by the next message', async () => {
  const r = recorder();
  const it = iterate(r);
  const pending = it.next();
  assert.equal(await settled(pending), false);
  r.feed(chunk(['message', 'late']), 'o');
  assert.deepEqual(await pending, { value: { type: 'message', data: 'late', lastEventId: '', origin: 'o' }, done: false });
});

test('highWaterMark: feed holds the reading back once the loop is that far behind, until it caught up halfway', async () => {
  const r = recorder({ highWaterMark: 4 });
  const it = iterate(r);
  assert.equal(r.feed(chunk(['m', '1'], ['m', '2'], ['m', '3']), 'o'), undefined, 'below the mark: read on');
  const held = r.feed(chunk(['m', '4'], ['m', '5']), 'o');
  assert.ok(held instanceof Promise, 'at the mark: wait');
  // The same promise while still behind.
  assert.equal(r.feed(chunk(['m', '6']), 'o'), held);
  await take(it, 3); // 3 left: more than half of 4
  assert.equal(await settled(held), false);
  await take(it, 1); // 2 left: half
  assert.equal(await settled(held), true);
  assert.deepEqual((await take(it, 2)).map((m) => m.data), ['5', '6']);
});

test('end(error): the queued messages first, then the error once, then done', async () => {
  const r = recorder();
  const it = iterate(r);
  r.feed(chunk(['m', '1'], ['m', '2']), 'o');
  const failure = new Error('gave up');
  r.end(failure, false);
  assert.deepEqual((await take(it, 2)).map((m) => m.data), ['1', '2']);
  await assert.rejects(it.next(), failure);
  assert.deepEqual(await it.next(), { value: undefined, done: true });
  // A waiting next() gets the error at once.
  const r2 = recorder();
  const it2 = iterate(r2);
  const pending = it2.next();
  r2.end(failure, false);
  await assert.rejects(pending, failure);
});

test('end(null): the loop ends quietly after the queued messages; feed after the end is ignored', async () => {
  const r = recorder();
  const it = iterate(r);
  r.feed(chunk(['m', '1']), 'o');
  r.end(null, false);
  r.feed(chunk(['m', 'after']), 'o');
  assert.deepEqual((await take(it, 1)).map((m) => m.data), ['1']);
  assert.deepEqual(await it.next(), { value: undefined, done: true });
});

test('end with drop (the source was closed) discards the queue and lets the reading go', async () => {
  const r = recorder({ highWaterMark: 2 });
  const it = iterate(r);
  const held = r.feed(chunk(['m', '1'], ['m', '2'], ['m', '3']), 'o');
  r.end(null, true);
  assert.equal(await settled(held), true);
  assert.deepEqual(await it.next(), { value: undefined, done: true });
});

test('a recorder that ended before the module loaded ends the loop', async () => {
  const it = iterate(recorder({ backlog: [[chunk(['m', 'x']), 'o']], ended: [null, false] }));
  assert.deepEqual((await take(it, 1)).map((m) => m.data), ['x']);
  assert.deepEqual(await it.next(), { value: undefined, done: true });
  const closed = iterate(recorder({ backlog: [[chunk(['m', 'x']), 'o']], ended: [null, true] }));
  assert.deepEqual(await closed.next(), { value: undefined, done: true });
});

test('leaving the loop (return) detaches from the source once and ends it', async () => {
  const r = recorder();
  const it = iterate(r);
  r.feed(chunk(['m', '1'], ['m', '2']), 'o');
  for await (const m of { [Symbol.asyncIterator]: () => it }) {
    assert.equal(m.data, '1');
    break;
  }
  assert.equal(r.detached, 1);
  assert.deepEqual(await it.next(), { value: undefined, done: true });
});

test('a long run keeps its order while the queue compacts itself', async () => {
  const r = recorder({ highWaterMark: 1e9 });
  const it = iterate(r);
  const n = 20000;
  let expected = 0;
  for (let i = 0; i < n; i += 100) {
    r.feed(chunk(...Array.from({ length: 100 }, (_, j) => ['m', String(i + j)])), 'o');
    // Take a little less than is fed, so the head runs far into the queue.
    for (const m of await take(it, 60)) assert.equal(m.data, String(expected++));
  }
  r.end(null, false);
  for await (const m of { [Symbol.asyncIterator]: () => it }) assert.equal(m.data, String(expected++));
  assert.equal(expected, n);
});
