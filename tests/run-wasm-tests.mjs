// Runs tests/web.rs (wasm-bindgen-test) in headless Chromium: starts the
// scripted test server, passes its URL to the build in SSE_TEST_SERVER, and
// runs `cargo test --target wasm32-unknown-unknown --test web` with
// wasm-bindgen-test-runner and Debian's chromedriver. Stops the server after.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './browser/harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const server = await startServer();
let status = 1;
try {
  const result = spawnSync(
    'cargo',
    ['test', '-p', 'wasm-eventsource', '--target', 'wasm32-unknown-unknown', '--test', 'web'],
    {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        SSE_TEST_SERVER: server.base,
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER: 'wasm-bindgen-test-runner',
        CHROMEDRIVER: process.env.CHROMEDRIVER || '/usr/bin/chromedriver',
        WASM_BINDGEN_TEST_WEBDRIVER_JSON: join(root, 'tests/webdriver.json'),
        WASM_BINDGEN_TEST_TIMEOUT: '120',
      },
    }
  );
  status = result.status ?? 1;
} finally {
  await server.stop();
}
process.exit(status);
