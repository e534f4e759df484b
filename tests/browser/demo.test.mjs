// The demo page (www/, served by `make demo`) in the engine under test
// (TEST_BROWSER): both clock panes receive events, the chat panel streams a
// POST reply with the token the server saw, and switching the server's power
// off and on shows ours reconnecting with backoff; the Rust/wasm example app
// (examples/rust-app) streams through the Rust API. Leaves a screenshot in
// test-results/demo-{engine}.png (full page in Chromium, the window elsewhere).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE, openBrowser, startServer, waitFor as until } from './harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const screenshot = join(root, `test-results/demo-${ENGINE}.png`);

describe('demo page', () => {
  let server;
  let browser;
  let page;

  // The page is driven through evaluate alone, so the same steps run over
  // Playwright (Chromium) and WebDriver (Firefox, WebKit).
  const text = (selector, p = page) => p.evaluate((s) => document.querySelector(s).textContent, selector);
  const click = (selector) => page.evaluate((s) => document.querySelector(s).click(), selector);
  const fill = (selector, value) =>
    page.evaluate(([s, v]) => {
      const el = document.querySelector(s);
      el.value = v;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, [selector, value]);
  const role = (pane, r) => `#${pane} [data-role="${r}"]`;
  const count = async (pane) => Number(await text(role(pane, 'count')));
  const waitFor = (fn, arg, timeout = 10000) => page.waitForFunction(fn, arg, { timeout, polling: 50 });
  const paneState = (pane, state, timeout) =>
    waitFor(([p, s]) => document.getElementById(p).dataset.state === s, [pane, state], timeout);
  const connRows = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('#chat-conns tr')].map((tr) => {
        const [, sent, seen, resumed] = [...tr.children].map((td) => td.textContent);
        return { sent, seen, resumed };
      })
    );
  const setPower = async (on) => {
    await click('label.switch');
    await waitFor((want) => document.body.dataset.power === want, on ? 'on' : 'off');
  };
  /** Errors the page reported (uncaught exceptions and unhandled rejections since it loaded). */
  const pageErrors = (p = page) => p.evaluate(() => window.__errors.map(String));
  const watchErrors = (p) =>
    p.evaluate(() => {
      window.__errors = [];
      addEventListener('error', (e) => window.__errors.push(e.error ?? e.message));
      addEventListener('unhandledrejection', (e) => window.__errors.push(e.reason));
    });

  before(async () => {
    server = await startServer();
    // The back/forward cache on, as in a browser a person uses.
    browser = await openBrowser(ENGINE, { bfcache: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.base}/index.html`);
    await watchErrors(page);
    await waitFor(() => document.body.dataset.demo === 'ready' && document.body.dataset.power === 'on');
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the clock stream in the native pane and in ours', async () => {
    for (const pane of ['native', 'ours']) {
      await paneState(pane, 'OPEN');
      await waitFor((p) => Number(document.querySelector(`#${p} [data-role="count"]`).textContent) >= 2, pane);
      assert.match(await text(role(pane, 'last-id')), /^\d+$/, `${pane}: last event id`);
      assert.match(await text(role(pane, 'state')), /^1 OPEN$/, `${pane}: readyState badge`);
      assert.match(await text(role(pane, 'log')), /n=\d+/, `${pane}: event log`);
    }
  });

  it('streams a POST chat reply sent with the token the server reports', async () => {
    await fill('#prompt', 'one two three four five');
    await click('#chat-send');
    await waitFor(() => document.getElementById('chat').dataset.state === 'done');
    assert.equal((await text('#chat-reply')).trim(), 'one two three four five');
    const rows = await connRows();
    assert.equal(rows.length, 1, 'one connection');
    assert.match(rows[0].sent, /^tok-\d+-\w+$/);
    assert.equal(rows[0].seen, rows[0].sent, 'the server saw the Authorization sent');
  });

  it('reconnects with backoff when the power goes off, and recovers when it comes back', async () => {
    // A reply long enough to be cut off midway.
    const words = Array.from({ length: 14 }, (_, i) => `w${i + 1}`).join(' ');
    await fill('#prompt', words);
    await click('#chat-send');
    await waitFor(() => document.getElementById('chat-reply').textContent.split(/\s+/).filter(Boolean).length >= 3);

    const before = { ours: await count('ours'), native: await count('native') };
    const lastId = Number(await text(role('ours', 'last-id')));
    await setPower(false);

    await paneState('ours', 'CONNECTING');
    await paneState('native', 'CONNECTING');
    // Three scheduled attempts, each delay drawn below a doubled cap.
    await waitFor(() => document.querySelectorAll('#ours [data-role="timeline"] .bar').length >= 3);
    assert.equal(await text(role('ours', 'will-retry')), 'true');
    assert.match(await text(role('ours', 'retry-delay')), /^\d+ ms$/);
    assert.match(await text(role('ours', 'error-message')), /reconnecting in \d+ ms \(attempt [2-9]\)/);
    assert.match(await text(role('ours', 'state')), /^0 CONNECTING$/);
    assert.equal(await text('#chat-state'), 'reconnecting');

    await setPower(true);
    await paneState('ours', 'OPEN', 12000);
    await paneState('native', 'OPEN', 12000);
    await waitFor((n) => Number(document.querySelector('#ours [data-role="count"]').textContent) > n, before.ours + 1);
    await waitFor((n) => Number(document.querySelector('#native [data-role="count"]').textContent) > n, before.native + 1);
    // Resumed through Last-Event-ID rather than restarted at 1.
    assert.ok(Number(await text(role('ours', 'last-id'))) > lastId, 'ours resumed after its last id');

    // The chat resumed on a new connection with a new token, without repeating words.
    await waitFor(() => document.getElementById('chat').dataset.state === 'done', undefined, 12000);
    assert.equal((await text('#chat-reply')).trim(), words);
    const rows = await connRows();
    assert.ok(rows.length >= 2, `reconnected (${rows.length} connections)`);
    assert.equal(new Set(rows.map((r) => r.sent)).size, rows.length, 'a new token on every attempt');
    const answered = rows.filter((r) => r.seen.startsWith('tok-'));
    assert.ok(answered.length >= 2, 'at least two attempts got a response');
    for (const r of answered) assert.equal(r.seen, r.sent, 'the server saw the token sent on that attempt');
    assert.match(answered.at(-1).resumed, /^token \d+$/, 'the last connection resumed mid-reply');
  });

  it('links the Rust/wasm example app, which streams through the Rust API', async () => {
    const rustPage = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    try {
      const href = await page.evaluate(() => document.getElementById('rust-app-link').getAttribute('href'));
      await rustPage.goto(`${server.base}${href}`);
      await watchErrors(rustPage);
      const waitRust = (fn) => rustPage.waitForFunction(fn, undefined, { timeout: 10000, polling: 50 });
      // The clock: open, then messages with their event type and id.
      await waitRust(() => document.querySelectorAll('#clock-log li').length >= 3);
      assert.equal(await text('#clock-state', rustPage), 'OPEN');
      const log = await rustPage.evaluate(() => [...document.querySelectorAll('#clock-log li')].map((li) => li.textContent).reverse());
      assert.equal(log[0], 'open');
      assert.match(log[1], /^(message|tick) #\d+: \{"n":\d+/);
      // The chat: POSTed with its token and body, read word by word, closed on `done`.
      await waitRust(() => document.getElementById('chat-state').textContent === 'CLOSED');
      assert.equal((await text('#chat-answer', rustPage)).trim(), 'This answer streamed from a POST through the Rust API.');
      assert.equal(await rustPage.evaluate(() => document.querySelectorAll('#chat-log li').length), 0, 'no error');
      assert.deepEqual(await pageErrors(rustPage), []);
    } finally {
      await rustPage.close();
    }
  });

  it('reads a fetched chat answer through EventStreamParser', async () => {
    await fill('#parse-prompt', 'alpha beta gamma');
    await waitFor(() => !document.getElementById('parse-ask').disabled);
    await click('#parse-ask');
    await waitFor(() => document.getElementById('parse').dataset.state === 'done' || document.getElementById('parse').dataset.state === 'failed');
    assert.equal(await page.evaluate(() => document.getElementById('parse').dataset.state), 'done');
    assert.equal((await text('#parse-reply')).trim(), 'alpha beta gamma');
    assert.ok(Number(await text('#parse-events')) >= 4, 'the auth event, three words, done');
  });

  it('shares one connection between tabs, and hands it over when the holding tab closes', async () => {
    // The fallback path, where a tab holds the connection and can be closed.
    await page.evaluate(() => {
      const box = document.getElementById('shared-fallback');
      box.checked = true;
      box.dispatchEvent(new Event('change'));
    });
    await waitFor(() => !document.getElementById('shared-add').disabled && document.querySelectorAll('#shared-frames iframe').length === 0);
    for (let i = 0; i < 3; i++) await click('#shared-add');
    const seen = () =>
      page.evaluate(() =>
        [...document.querySelectorAll('#shared-frames iframe')].map((f) =>
          (f.contentDocument?.body?.dataset.seen ?? '').trim().split(/\s+/).filter(Boolean).map(Number)
        )
      );
    await waitFor(
      () =>
        [...document.querySelectorAll('#shared-frames iframe')].every(
          (f) => (f.contentDocument?.body?.dataset.seen ?? '').trim().split(/\s+/).filter(Boolean).length >= 3
        ),
      undefined,
      15000
    );
    await waitFor(() => document.getElementById('shared-conns').textContent === '1', undefined, 5000);
    await click('#shared-close');
    const before = (await seen()).map((s) => s.length);
    await waitFor(
      (b) =>
        [...document.querySelectorAll('#shared-frames iframe')].every(
          (f, i) => (f.contentDocument?.body?.dataset.seen ?? '').trim().split(/\s+/).filter(Boolean).length >= b[i] + 4
        ),
      before,
      15000
    );
    for (const s of await seen()) {
      s.forEach((n, i) => assert.equal(n, s[0] + i, `consecutive after the hand-over: ${s}`));
    }
    assert.equal(await text('#shared-conns'), '1', 'still one connection');
  });

  it('logs the page\'s life: simulated offline and online, and a leave and return', async () => {
    const life = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      const lifeWait = (fn, arg, timeout = 10000) => life.waitForFunction(fn, arg, { timeout, polling: 50 });
      await life.goto(`${server.base}/index.html`);
      await lifeWait(() => document.body.dataset.demo === 'ready');
      await lifeWait(() => Number(document.querySelector('#ours [data-role="count"]').textContent) >= 2);
      const lines = () => life.evaluate(() => [...document.querySelectorAll('#life-log li')].map((li) => li.textContent));
      await life.evaluate(() => {
        document.getElementById('life-offline').click();
        document.getElementById('life-online').click();
      });
      const logged = await lines();
      assert.ok(logged.some((l) => /offlineoffline · native: OPEN.*ours: OPEN/.test(l)), logged.join('\n'));
      assert.ok(logged.some((l) => /^\S+onlineonline/.test(l)), logged.join('\n'));

      await life.evaluate(() => setTimeout(() => document.getElementById('life-leave').click(), 0));
      // An evaluation cut by the navigation is tried again on the next page.
      await until(
        () => life.evaluate(() => location.pathname === '/away.html' && document.readyState === 'complete').catch(() => false),
        { what: 'the Leave button to navigate to /away.html', interval: 100 }
      );
      await life.goBack({ waitUntil: 'commit' });
      // Restored (Chromium, WebKit): the panel logs the return and when each
      // pane had its next event. Reloaded (Firefox): the demo starts again.
      await lifeWait(
        () =>
          location.pathname === '/index.html' &&
          document.body?.dataset.demo === 'ready' &&
          (/restored/.test(document.getElementById('life-log').textContent) || performance.getEntriesByType('navigation')[0]?.type === 'back_forward'),
        undefined,
        15000
      );
      const restored = await life.evaluate(() => /restored/.test(document.getElementById('life-log').textContent));
      if (restored) {
        await lifeWait(() => /ours: events again after \d+ ms/.test(document.getElementById('life-log').textContent));
      } else {
        assert.equal(ENGINE, 'firefox', `${ENGINE} did not restore the demo`);
        await lifeWait(() => Number(document.querySelector('#ours [data-role="count"]').textContent) >= 1);
      }
      assert.equal(await life.evaluate(() => document.querySelector('#ours [data-role="errors"]').textContent), '0', 'ours fired error across the leave');
    } finally {
      await life.close();
    }
  });

  it('saves a screenshot and threw nothing', async () => {
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    assert.deepEqual(await pageErrors(), []);
  });
});
