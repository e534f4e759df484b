// What both benchmark pages share: the on-page log, the statistics, and
// posting the results to the test server's /_result/{key} for run.mjs.

export const params = new URLSearchParams(location.search);
/** Where to post (without it, nothing is posted: the page was opened by hand). */
export const key = params.get('key');
/** Measured runs per client and workload. */
export const runs = Math.max(1, Number(params.get('runs') || 5));

const out = document.getElementById('out');
export const print = (line) => {
  out.textContent += line + '\n';
};
export const clear = () => {
  out.textContent = '';
};
/**
 * A rest between timed runs, so that the garbage collection and connection
 * teardown of one run do not fall into the next: the benchmark's pacing,
 * not a wait for anything (nothing is asserted after it).
 */
export const rest = (ms) => new Promise((r) => setTimeout(r, ms));
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function report(body) {
  if (!key) return;
  await fetch(`/_result/${encodeURIComponent(key)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Runs `main` and posts what it resolves to, or the error. */
export function run(main) {
  main().then(
    async (r) => {
      print('done');
      await report(r);
    },
    async (e) => {
      print(`failed: ${e.stack || e}`);
      await report({ error: String(e && e.message ? e.message : e) });
    }
  );
}
