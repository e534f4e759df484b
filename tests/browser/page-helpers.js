// Helpers evaluated inside the test page.

/**
 * Open a source of class `Ctor` on `url`, record everything it fires until
 * `until(log, es)` (a function, or an expression string over `log` and `es`) is true or `timeout` ms pass, close it, return the log.
 * `timeout` is a deadline for `until`, not a wait: a test whose `until`
 * never comes true gets the log so far, and its assertions fail.
 * With `quiet: ms`, once `until` is true the source is recorded `ms` ms
 * more before it is closed: a negative check that nothing more fires.
 * Each entry: { type, readyState, data?, lastEventId?, origin?, reason?,
 * attempt?, willRetry?, retryDelay?, status?, message?, t } where t is ms since the start.
 * With `constructed: true` the log starts with { type: 'constructed',
 * readyState } taken right after the constructor returned.
 */
export function record(Ctor, url, init, { until, timeout = 8000, quiet = 0, types = [], constructed = false } = {}) {
  if (typeof until === 'string') until = new Function('log', 'es', `return (${until});`);
  return new Promise((resolve) => {
    const start = performance.now();
    const log = [];
    let es;
    let quieting = false;
    const done = () => {
      clearTimeout(timer);
      es.close();
      resolve(log);
    };
    let timer = setTimeout(done, timeout);
    es = init === undefined ? new Ctor(url) : new Ctor(url, init);
    if (constructed) log.push({ type: 'constructed', readyState: es.readyState, t: 0 });
    const push = (e) => {
      const entry = { type: e.type, readyState: es.readyState, t: Math.round(performance.now() - start) };
      if (e instanceof MessageEvent) {
        entry.data = e.data;
        entry.lastEventId = e.lastEventId;
        entry.origin = e.origin;
      }
      for (const k of ['reason', 'attempt', 'willRetry', 'retryDelay', 'status', 'message']) if (k in e) entry[k] = e[k];
      log.push(entry);
      if (quieting || !until || !until(log, es)) return;
      if (!quiet) return done();
      // Negative check: nothing more may fire within `quiet` ms.
      quieting = true;
      clearTimeout(timer);
      timer = setTimeout(done, quiet);
    };
    for (const type of ['open', 'message', 'error', ...types]) es.addEventListener(type, push);
  });
}

/**
 * Resolves to the value of `condition()` (which may return a promise) once
 * it is truthy, checking every `interval` ms; rejects after `timeout` ms
 * with an error that says what was awaited (`what`) and what was seen
 * (`seen()`, JSON). The timeout is a deadline for something that should
 * happen, not a wait: generous, because the suite runs on busy machines.
 */
export async function waitFor(condition, { timeout = 10000, interval = 15, what = String(condition), seen } = {}) {
  const start = performance.now();
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (performance.now() - start > timeout) {
      const saw = seen ? `; saw ${JSON.stringify(seen())}` : '';
      throw new Error(`waited ${timeout} ms for ${what}${saw}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Only for negative checks: resolves after `ms` ms, the window in which a
 * test shows that something does NOT happen (say which, in a comment on
 * the line before). To wait for something that should happen, wait for it:
 * waitFor, nextEvent, a promise.
 */
export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Let `n` macrotasks pass (timers of 0 ms): for a scenario that needs
 * something done in a later task ("close after a macrotask"), not to wait
 * for anything.
 */
export async function macrotasks(n = 1) {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
}

/** Resolves with the first event of `type` on `target`, or rejects after `timeout` ms. */
export function nextEvent(target, type, timeout = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} event within ${timeout} ms`)), timeout);
    target.addEventListener(
      type,
      (e) => {
        clearTimeout(timer);
        resolve(e);
      },
      { once: true }
    );
  });
}
