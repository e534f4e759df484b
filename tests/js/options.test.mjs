// The option cases of tests/options-cases.json against the JavaScript
// class's checks; tests/scenarios.rs feeds the same cases to the Rust
// builder, and both must give the same verdicts. The class is constructed
// for real, over a core that never finishes loading (no WebAssembly needed:
// options are checked before the class touches it).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { load } from './modules.mjs';

const { cases } = JSON.parse(readFileSync(new URL('../options-cases.json', import.meta.url), 'utf8'));
const { start } = await load('core.js');
start(() => new Promise(() => {}));
const { EventSource } = await load('facade.js');
const { OPTIONS } = await load('rules-table.js');

test('every option case gets the verdict of the table', () => {
  for (const { init, valid, option } of cases) {
    let thrown = null;
    try {
      new EventSource('http://127.0.0.1:9/stream', init).close();
    } catch (e) {
      thrown = e;
    }
    const what = JSON.stringify(init);
    if (valid) {
      assert.equal(thrown, null, `${what} must be accepted`);
      continue;
    }
    assert.ok(thrown instanceof TypeError, `${what} must throw a TypeError (got ${thrown})`);
    assert.ok(thrown.message.includes(`option '${option}' must be`), `${what}: "${thrown.message}" must name '${option}'`);
  }
});

test("a refused option's message ends with the table's words", () => {
  for (const { init, valid, option } of cases) {
    if (valid || !OPTIONS[option]) continue;
    try {
      new EventSource('http://127.0.0.1:9/stream', init).close();
    } catch (e) {
      // The table's words, or (headers, body) a sentence that says more.
      if (option === 'headers' || option === 'body') continue;
      assert.equal(e.message, `Failed to construct 'EventSource': option '${option}' must be ${OPTIONS[option].e}.`);
    }
  }
});
