// Runs the crate's wasm-bindgen-test suites the way its users run theirs,
// with `wasm-pack test --headless`, against the scripted test server, in
// each engine of WASM_BROWSERS (default "chromium firefox"; "webkit" also
// works): starts the server, passes its URL to the build in
// SSE_TEST_SERVER, and stops the server after.
//   tests/web.rs        the Rust API (default features, as an app gets them)
//   tests/scenarios.rs  the tables both front ends play (tests/scenarios.json,
//                       tests/options-cases.json)
// wasm-pack finds wasm-bindgen-test-runner (the CLI the bootstrap installed
// at the locked version) on PATH. Drivers:
//   chromium  Debian's chromedriver; binary and flags in tests/webdriver.json
//   firefox   geckodriver (cargo install); binary in tests/webdriver-firefox.json
//   webkit    WebKitGTK's WebKitWebDriver, through wasm-pack's --safari (the
//             runner sends no capabilities to it, so it starts its default
//             MiniBrowser), on an Xvfb display started here
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './browser/harness.mjs';
import { startXvfb } from './browser/webdriver.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `name` on PATH (wasm-pack wants a driver's full path, or it downloads one). */
function which(name) {
  for (const dir of (process.env.PATH || '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${name} is not on PATH (make setup installs it)`);
}

const engines = {
  chromium: () => ({
    args: ['--chrome', '--chromedriver', process.env.CHROMEDRIVER || '/usr/bin/chromedriver'],
    env: { WASM_BINDGEN_TEST_WEBDRIVER_JSON: join(root, 'tests/webdriver.json') },
  }),
  firefox: () => ({
    args: ['--firefox', '--geckodriver', process.env.GECKODRIVER || which('geckodriver')],
    env: { WASM_BINDGEN_TEST_WEBDRIVER_JSON: join(root, 'tests/webdriver-firefox.json') },
  }),
  webkit: () => ({
    args: ['--safari', '--safaridriver', process.env.WEBKIT_WEBDRIVER || which('WebKitWebDriver')],
    env: {},
    display: true,
  }),
};

const suites = [
  ['web', ['--test', 'web']],
  ['scenarios', ['--test', 'scenarios']],
];

const wanted = (process.env.WASM_BROWSERS || 'chromium firefox').split(/[\s,]+/).filter(Boolean);
for (const e of wanted) {
  if (!engines[e]) throw new Error(`WASM_BROWSERS: unknown engine ${e} (expected ${Object.keys(engines).join(', ')})`);
}

const server = await startServer();
const failed = [];
const times = [];
try {
  for (const name of wanted) {
    const engine = engines[name]();
    const started = Date.now();
    let xvfb;
    const env = { ...process.env, ...engine.env, SSE_TEST_SERVER: server.base, WASM_BINDGEN_TEST_TIMEOUT: '120' };
    if (engine.display) {
      xvfb = await startXvfb();
      env.DISPLAY = xvfb.display;
    }
    try {
      for (const [suite, cargoArgs] of suites) {
        const args = ['test', '--headless', ...engine.args, '--', ...cargoArgs];
        console.log(`$ wasm-pack ${args.join(' ')}`);
        const result = spawnSync('wasm-pack', args, { cwd: root, stdio: 'inherit', env });
        if (result.status !== 0) {
          failed.push(`${name} ${suite}`);
        }
      }
    } finally {
      await xvfb?.stop();
    }
    times.push(`${name} ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
} finally {
  await server.stop();
}
console.log(`test-wasm: ${times.join(', ')}`);
if (failed.length) {
  console.log(`test-wasm: FAILED: ${failed.join(', ')}`);
  process.exit(1);
}
