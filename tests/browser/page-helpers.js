// Helpers evaluated inside the test page.

/**
 * Open a source of class `Ctor` on `url`, record everything it fires until
 * `until(log, es)` (a function, or an expression string over `log` and `es`) is true or `timeout` ms pass, close it, return the log.
 * Each entry: { type, readyState, data?, lastEventId?, origin?, reason?,
 * attempt?, willRetry?, retryDelay?, status?, message?, t } where t is ms since the start.
 * With `constructed: true` the log starts with { type: 'constructed',
 * readyState } taken right after the constructor returned.
 */
export function record(Ctor, url, init, { until, timeout = 8000, types = [], constructed = false } = {}) {
  if (typeof until === 'string') until = new Function('log', 'es', `return (${until});`);
  return new Promise((resolve) => {
    const start = performance.now();
    const log = [];
    let es;
    const done = () => {
      clearTimeout(timer);
      es.close();
      resolve(log);
    };
    const timer = setTimeout(done, timeout);
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
      if (until && until(log, es)) done();
    };
    for (const type of ['open', 'message', 'error', ...types]) es.addEventListener(type, push);
  });
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Let `n` macrotasks pass (timers of 0 ms). */
export async function macrotasks(n = 3) {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
}

/** Resolves with the first event of `type` on `target`, or rejects after `timeout` ms. */
export function nextEvent(target, type, timeout = 5000) {
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
