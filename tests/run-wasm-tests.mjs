// Runs the crate's wasm-bindgen-test suites the way its users run theirs,
// with `wasm-pack test --headless --chrome`, against the scripted test
// server: starts the server, passes its URL to the build in
// SSE_TEST_SERVER, and stops the server after.
//   tests/web.rs     the Rust API (default features, as an app gets them)
//   tests/js_api.rs  the JavaScript front end's contract (--features js-api)
// wasm-pack finds wasm-bindgen-test-runner (the CLI the bootstrap installed
// at the locked version) and Debian's chromedriver on PATH; the Chromium
// binary and its flags come from tests/webdriver.json.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './browser/harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const chromedriver = process.env.CHROMEDRIVER || '/usr/bin/chromedriver';
const runs = [
  ['--', '--test', 'web'],
  ['--features', 'js-api', '--test', 'js_api'],
];

const server = await startServer();
let status = 0;
try {
  for (const extra of runs) {
    const args = ['test', '--headless', '--chrome', '--chromedriver', chromedriver, ...(extra[0] === '--' ? extra : ['--', ...extra])];
    console.log(`$ wasm-pack ${args.join(' ')}`);
    const result = spawnSync('wasm-pack', args, {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        SSE_TEST_SERVER: server.base,
        WASM_BINDGEN_TEST_WEBDRIVER_JSON: join(root, 'tests/webdriver.json'),
        WASM_BINDGEN_TEST_TIMEOUT: '120',
      },
    });
    if (result.status !== 0) {
      status = result.status ?? 1;
      break;
    }
  }
} finally {
  await server.stop();
}
process.exit(status);
