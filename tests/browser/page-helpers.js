// Helpers evaluated inside the test page.

/**
 * Open a source of class `Ctor` on `url`, record everything it fires until
 * `until(log, es)` (a function, or an expression string over `log` and `es`) is true or `timeout` ms pass, close it, return the log.
 * Each entry: { type, readyState, data?, lastEventId?, origin?, willRetry?,
 * retryDelay?, status?, message?, t } where t is ms since the start.
 */
export function record(Ctor, url, init, { until, timeout = 8000, types = [] } = {}) {
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
    const push = (e) => {
      const entry = { type: e.type, readyState: es.readyState, t: Math.round(performance.now() - start) };
      if (e instanceof MessageEvent) {
        entry.data = e.data;
        entry.lastEventId = e.lastEventId;
        entry.origin = e.origin;
      }
      for (const k of ['willRetry', 'retryDelay', 'status', 'message']) if (k in e) entry[k] = e[k];
      log.push(entry);
      if (until && until(log, es)) done();
    };
    for (const type of ['open', 'message', 'error', ...types]) es.addEventListener(type, push);
  });
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
