// The scenario table (tests/scenarios.json), played by the JavaScript class
// in this engine. The Rust API plays the same table in tests/web.rs, so the
// two drivers cannot drift apart: both must give the same events, the same
// error fields and sentences, and send the same requests.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ENGINE, script, setup, unique, waitRequests } from './harness.mjs';

const ctx = setup(test);
const { scenarios } = JSON.parse(readFileSync(new URL('../scenarios.json', import.meta.url), 'utf8'));

/** Runs in the page: the first `until` items the source fires, as the table writes them. */
function play({ url, init, until, types }) {
  return new Promise((resolve) => {
    const items = [];
    const es = new window.WasmEventSource(url, init);
    const finish = () => {
      clearTimeout(timer);
      es.close();
      resolve(items);
    };
    const timer = setTimeout(finish, 10000);
    const push = (item) => {
      items.push(item);
      if (items.length >= until) finish();
    };
    es.addEventListener('open', () => push(['open']));
    for (const type of types) es.addEventListener(type, (e) => push(['message', e.type, e.data, e.lastEventId]));
    es.addEventListener('error', (e) =>
      push(['error', e.reason, e.status ?? null, e.willRetry, e.retryDelay ?? null, e.attempt, e.gaveUp, e.message])
    );
  });
}

/** Whether `message` is what the table expects, where {detail} stands for any text. */
function sameMessage(got, want) {
  const [before, after] = want.split('{detail}');
  if (after === undefined) return got === want;
  return got.startsWith(before) && got.endsWith(after) && got.length >= want.length - '{detail}'.length;
}

/** Checks the recorded requests against the table's `requests`. */
function checkRequests(got, want, name) {
  assert.ok(got.length >= want.length, `${name}: ${got.length} requests, expected ${want.length}`);
  want.forEach((fields, i) => {
    const request = got[i];
    for (const [field, value] of Object.entries(fields)) {
      const actual =
        field === 'method'
          ? request.method
          : field === 'body'
            ? request.body
            : field === 'query'
              ? new URL(request.path, 'http://x').search.slice(1)
              : (request.headers[field] ?? null);
      assert.equal(actual, value, `${name}: request ${i} ${field}`);
    }
  });
}

for (const scenario of scenarios) {
  const skip = scenario.skip?.[ENGINE];
  test(`scenario ${scenario.name}: ${scenario.about}`, skip ? { skip: `not in ${ENGINE}: ${skip}` } : {}, async () => {
    const page = await ctx.page();
    const name = unique(scenario.name);
    await script(ctx.base, name, { responses: scenario.responses });
    const types = [...new Set(scenario.events.filter((e) => e[0] === 'message').map((e) => e[1]))];
    const items = await page.evaluate(play, { url: `/sse/${name}`, init: scenario.init, until: scenario.until, types });
    assert.equal(items.length, scenario.events.length, `${JSON.stringify(items)}`);
    scenario.events.forEach((want, i) => {
      const got = items[i];
      if (want[0] === 'error') {
        assert.deepEqual(got.slice(0, 7), want.slice(0, 7), `item ${i}: ${JSON.stringify(got)}`);
        assert.ok(sameMessage(got[7], want[7]), `item ${i}: message ${JSON.stringify(got[7])}, expected ${JSON.stringify(want[7])}`);
      } else {
        assert.deepEqual(got, want, `item ${i}`);
      }
    });
    if (scenario.requests) {
      const recorded = (await waitRequests(ctx.base, name, scenario.requests.length)).filter((r) => !r.preflight);
      checkRequests(recorded, scenario.requests, scenario.name);
    }
  });
}
