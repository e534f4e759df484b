// Builds pkg/ (the npm package) from the release wasm and pkg-template/:
//   index.js            ES module: exports EventSource, initialises the wasm itself
//                       (facade + wasm-bindgen glue for --target web, bundled and minified)
//   index.d.ts          types
//   wasm_eventsource_bg.wasm   the engine
//   wasm-eventsource.js self-contained script-tag file, wasm inlined, instantiated synchronously
//   polyfill.js         ES module that installs EventSource on globalThis when missing
// Usage: node scripts/build-pkg.mjs  (after `cargo build --release --target wasm32-unknown-unknown --lib`)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync, readdirSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync, transformSync } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wasmIn = join(root, 'target/wasm32-unknown-unknown/release/wasm_eventsource.wasm');
const tmp = join(root, 'target/pkg-build');
const out = join(root, 'pkg');
const tpl = join(root, 'pkg-template');
const bin = (name) => join(root, 'node_modules/.bin', name);

function run(cmd, args) {
  execFileSync(cmd, args, { stdio: 'inherit', cwd: root });
}

rmSync(tmp, { recursive: true, force: true });
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

for (const target of ['web', 'no-modules']) {
  run('wasm-bindgen', ['--target', target, '--no-typescript', '--out-dir', join(tmp, target), wasmIn]);
  const wasm = join(tmp, target, 'wasm_eventsource_bg.wasm');
  // A current wasm-opt (npm binaryen); Debian's old one breaks the externref table.
  run(bin('wasm-opt'), ['-Oz', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-reference-types', '--enable-sign-ext', '--enable-multivalue', wasm, '-o', wasm]);
}

const facade = readFileSync(join(tpl, 'facade.js'), 'utf8');
const pkgJson = JSON.parse(readFileSync(join(tpl, 'package.json'), 'utf8'));
const cargoVersion = /^version = "([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
pkgJson.version = cargoVersion;

// npm entry: the facade plus the web glue, bundled into one minified module.
copyFileSync(join(tmp, 'web/wasm_eventsource_bg.wasm'), join(out, 'wasm_eventsource_bg.wasm'));
writeFileSync(
  join(tmp, 'web/index.js'),
  `import init, { Engine, liveEngines } from './wasm_eventsource.js';

${facade}
const loader = { Engine: null, error: null, ready: null };
loader.ready = init({ module_or_path: new URL('./wasm_eventsource_bg.wasm', import.meta.url) }).then(
  () => { loader.Engine = Engine; },
  (e) => { loader.error = e; }
);

/** The EventSource class, backed by the Rust/wasm engine. */
export const EventSource = defineEventSource(loader);
/** Resolves once the WebAssembly module is ready (sources created earlier start then). */
export const ready = loader.ready;
export { liveEngines };
export default EventSource;
`
);
buildSync({
  entryPoints: [join(tmp, 'web/index.js')],
  outfile: join(out, 'index.js'),
  bundle: true,
  format: 'esm',
  minify: true,
  // EventSource.name must stay "EventSource", as native.
  keepNames: true,
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
});

// Script tag: the no-modules glue and the facade in one IIFE, wasm inlined.
const glue = readFileSync(join(tmp, 'no-modules/wasm_eventsource.js'), 'utf8');
const wasmB64 = readFileSync(join(tmp, 'no-modules/wasm_eventsource_bg.wasm')).toString('base64');
const scriptTag = `/*! wasm-eventsource ${cargoVersion} | MIT OR Apache-2.0 */
(function () {
'use strict';
const script = typeof document !== 'undefined' ? document.currentScript : null;
${glue}
${facade}
const loader = { Engine: null, error: null, ready: null };
const bytes = Uint8Array.from(atob('${wasmB64}'), (c) => c.charCodeAt(0));
try {
  // Synchronous, so the class works the moment this script has run.
  wasm_bindgen.initSync({ module: new WebAssembly.Module(bytes) });
  loader.Engine = wasm_bindgen.Engine;
  loader.ready = Promise.resolve();
} catch (e) {
  // Engines that forbid synchronous compilation: sources start once ready.
  loader.ready = wasm_bindgen({ module_or_path: bytes }).then(
    () => { loader.Engine = wasm_bindgen.Engine; },
    (err) => { loader.error = err; }
  );
}
const g = globalThis;
const WasmEventSource = defineEventSource(loader);
WasmEventSource.liveEngines = () => (loader.Engine ? wasm_bindgen.liveEngines() : 0);
g.NativeEventSource = g.EventSource;
g.WasmEventSource = WasmEventSource;
if (typeof g.EventSource !== 'function' || (script && script.hasAttribute('data-force'))) {
  g.EventSource = WasmEventSource;
}
})();
`;
writeFileSync(
  join(out, 'wasm-eventsource.js'),
  transformSync(scriptTag, { minify: true, keepNames: true, target: 'es2022', legalComments: 'inline' }).code
);

for (const f of ['index.d.ts', 'polyfill.js', 'polyfill.d.ts']) copyFileSync(join(tpl, f), join(out, f));
copyFileSync(join(root, 'README.md'), join(out, 'README.md'));
writeFileSync(join(out, 'package.json'), JSON.stringify(pkgJson, null, 2) + '\n');

// Sizes: what a page using the npm entry downloads, and the script tag.
const gz = (files) => files.reduce((n, f) => n + gzipSync(readFileSync(join(out, f)), { level: 9 }).length, 0);
const raw = (files) => files.reduce((n, f) => n + statSync(join(out, f)).size, 0);
const npmFiles = ['index.js', 'wasm_eventsource_bg.wasm'];
const sizes = {
  wasm: statSync(join(out, 'wasm_eventsource_bg.wasm')).size,
  wasmGzip: gz(['wasm_eventsource_bg.wasm']),
  npmEntryRaw: raw(npmFiles),
  npmEntryGzip: gz(npmFiles),
  scriptTagRaw: raw(['wasm-eventsource.js']),
  scriptTagGzip: gz(['wasm-eventsource.js']),
};
writeFileSync(join(root, 'target/pkg-sizes.json'), JSON.stringify(sizes, null, 2) + '\n');
console.log(`pkg/ built: ${readdirSync(out).join(', ')}`);
console.log(
  `sizes: wasm ${sizes.wasm} B (${sizes.wasmGzip} B gzip); npm entry (wasm + JS) ${sizes.npmEntryRaw} B, ${sizes.npmEntryGzip} B gzip; script tag ${sizes.scriptTagRaw} B, ${sizes.scriptTagGzip} B gzip`
);
