// Builds pkg/ (the npm package) from the release wasm and pkg-template/.
// Each way of loading has a real entry file in pkg-template/, bundled here
// with esbuild:
//   index.js, parser.js, polyfill.js, shared-worker.js   browsers and bundlers: the core
//                        (load-web.js) fetches the .wasm beside it
//   node.js, parser-node.js, polyfill-node.js   the same entries for Node,
//                        Deno and Bun (the `node` export condition): the
//                        core (load-node.js) reads the .wasm from disk
//   chunk-*.js           what the entries of a platform share, and what
//                        loads on first use (the `shared` machinery)
//   wasm-eventsource.js  the script tag (`wasm-eventsource/script`): one classic
//                        script, wasm inlined, instantiated synchronously
//   wasm_eventsource_bg.wasm   the core (src/module.rs), after wasm-opt
//   *.d.ts, package.json
//   README.md            the user's sections of the repository's README
//                        (scripts/npm-readme.mjs)
//   LICENSE-MIT, LICENSE-APACHE, CHANGELOG.md   as in the repository
// The option checks import './rules-table.js', generated here from
// src/rules.json (scripts/rules-table.mjs).
// Usage: node scripts/build-pkg.mjs  (after the release wasm32 build; `make build`)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { npmReadme } from './npm-readme.mjs';
import { rulesTable } from './rules-table.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wasmIn = join(root, 'target/wasm32-unknown-unknown/module/wasm_eventsource.wasm');
const src = join(root, 'target/pkg-build');
const out = join(root, 'pkg');
const tpl = join(root, 'pkg-template');
const bin = (name) => join(root, 'node_modules/.bin', name);

function run(cmd, args) {
  execFileSync(cmd, args, { stdio: 'inherit', cwd: root });
}

rmSync(src, { recursive: true, force: true });
rmSync(out, { recursive: true, force: true });
mkdirSync(src, { recursive: true });
mkdirSync(out, { recursive: true });

// The optimised module, with the entry files beside it.
const wasm = join(src, 'wasm_eventsource_bg.wasm');
// A current wasm-opt (npm binaryen): Debian's is too old.
const WASM_FEATURES = ['--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-multivalue'];
// What wasm-opt may assume of the module: nothing touches the first 1 KB of
// memory, so it can fold constant offsets into loads and stores (34 B
// gzipped). Rust's wasm32 layout puts the stack first, growing down from
// 1 MiB toward address 0, with the data and the heap above it; the core's
// calls nest a few deep (its one recursion, the parser's `continue_line`,
// is bounded) and use a few KB of that stack, and Rust never dereferences
// address 0. (A load at `x + C` that wrapped past 4 GiB would land in that
// first 1 KB; folded, it traps.)
const WASM_ASSUME = ['--low-memory-unused'];
copyFileSync(wasmIn, join(src, 'wasm_eventsource_bg.unoptimised.wasm'));
run(bin('wasm-opt'), ['-Oz', '--converge', '--strip-debug', '--strip-producers', ...WASM_FEATURES, ...WASM_ASSUME, wasmIn, '-o', wasm]);
for (const f of readdirSync(tpl)) if (f.endsWith('.js')) copyFileSync(join(tpl, f), join(src, f));
writeFileSync(join(src, 'rules-table.js'), rulesTable());
copyFileSync(wasm, join(out, 'wasm_eventsource_bg.wasm'));

const cargoVersion = /^version = "([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
const common = {
  bundle: true,
  minify: true,
  // No keepNames (it cost 1 KB gzipped): the public classes set their own
  // `name` (EventSource.name is "EventSource", as native).
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
};
// './load.js' is each platform's loader of the core, './platform.js' what
// only its EventSource class has.
const PLATFORM = { 'load-web.js': 'share-web.js', 'load-node.js': 'share-node.js' };
const platformLoader = (load) => ({
  name: 'platform-loader',
  setup(build) {
    build.onResolve({ filter: /^\.\/load\.js$/ }, () => ({ path: join(src, load) }));
    build.onResolve({ filter: /^\.\/platform\.js$/ }, () => ({ path: join(src, PLATFORM[load]) }));
  },
});
// What each browser output imports (esbuild's metafile), for the sizes below.
const webOutputs = {};
const record = (metafile) => {
  for (const [path, output] of Object.entries(metafile.outputs)) webOutputs[basename(path)] = output;
};
for (const [platform, suffix, load] of [
  ['browser', '', 'load-web.js'],
  ['node', '-node', 'load-node.js'],
]) {
  // The EventSource class: one file (one file gzips smaller than several),
  // with the parts loaded on first use (`for await`, `shared`) as chunks.
  const { metafile } = await build({
    ...common,
    // V8's explicit compile hint: compile every function of the file as it
    // loads, rather than on first call. A page that opens a source calls
    // nearly all of them, and compiling them one by one on the way to the
    // first request cost about 1.5 ms of `new` → `open` (BENCHMARKS.md).
    banner: { js: '//# allFunctionsCalledOnLoad' },
    metafile: true,
    entryPoints: { [suffix ? 'node' : 'index']: join(src, 'index.js') },
    outdir: out,
    format: 'esm',
    platform,
    splitting: true,
    chunkNames: `chunk${suffix}-[hash]`,
    plugins: [platformLoader(load)],
  });
  if (!suffix) record(metafile);
  // The parser alone: a file of its own, with its own copy of the core (a
  // page that imports both entries instantiates the small module twice).
  const parser = await build({
    ...common,
    metafile: true,
    entryPoints: { [`parser${suffix}`]: join(src, 'parser.js') },
    outdir: out,
    format: 'esm',
    platform,
    plugins: [platformLoader(load)],
  });
  if (!suffix) record(parser.metafile);
  // The polyfill installs the class of its platform's entry.
  await build({
    ...common,
    entryPoints: { [`polyfill${suffix}`]: join(src, 'polyfill.js') },
    outdir: out,
    format: 'esm',
    platform,
    plugins: [
      {
        name: 'entry',
        setup(build) {
          build.onResolve({ filter: /^\.\/index\.js$/ }, () => ({ path: `./${suffix ? 'node' : 'index'}.js`, external: true }));
        },
      },
    ],
  });
}
// `wasm-eventsource/iterate`: the `for await` part up front (any platform).
await build({ ...common, entryPoints: { iterate: join(src, 'iterate-entry.js') }, outdir: out, format: 'esm' });
// The shared worker of `shared` sources: a context of its own, so one file
// with its own core.
record(
  (
    await build({
      ...common,
      metafile: true,
      entryPoints: { 'shared-worker': join(src, 'shared-worker.js') },
      outdir: out,
      format: 'esm',
      platform: 'browser',
      plugins: [platformLoader('load-web.js')],
    })
  ).metafile
);
await build({
  ...common,
  entryPoints: [join(src, 'script.js')],
  outfile: join(out, 'wasm-eventsource.js'),
  format: 'iife',
  platform: 'browser',
  plugins: [
    {
      // The WebAssembly inlined as a string of one character per byte:
      // gzipped, 0.6 KB smaller than base64 (esbuild's binary loader), and
      // still ASCII once esbuild escapes it (the file's encoding cannot
      // matter).
      name: 'wasm-as-string',
      setup(build) {
        build.onLoad({ filter: /\.wasm$/ }, ({ path }) => ({
          contents: `export default ${JSON.stringify(String.fromCharCode(...readFileSync(path)))};`,
          loader: 'js',
        }));
      },
    },
  ],
  banner: { js: `/*! wasm-eventsource ${cargoVersion} | MIT OR Apache-2.0 */` },
});

for (const f of ['index.d.ts', 'parser.d.ts', 'polyfill.d.ts', 'iterate.d.ts', 'script.d.ts']) copyFileSync(join(tpl, f), join(out, f));
const pkgJson = JSON.parse(readFileSync(join(tpl, 'package.json'), 'utf8'));
// The user's sections of the repository's README (scripts/npm-readme.mjs).
writeFileSync(join(out, 'README.md'), npmReadme(readFileSync(join(root, 'README.md'), 'utf8'), pkgJson));
for (const f of ['LICENSE-MIT', 'LICENSE-APACHE', 'CHANGELOG.md']) copyFileSync(join(root, f), join(out, f));
pkgJson.version = cargoVersion;
writeFileSync(join(out, 'package.json'), JSON.stringify(pkgJson, null, 2) + '\n');

// Sizes: what a page using the npm entry downloads, and the script tag,
// part by part, with the largest functions of the module.
const gz = (files) => files.reduce((n, f) => n + gzipSync(readFileSync(join(out, f)), { level: 9 }).length, 0);
const raw = (files) => files.reduce((n, f) => n + statSync(join(out, f)).size, 0);
// An entry's files: it, and the chunks it imports (statically: what loads
// with it).
const imported = (file, seen = new Set()) => {
  for (const { path, kind } of webOutputs[file].imports) {
    const dep = basename(path);
    if (kind === 'import-statement' && dep in webOutputs && !seen.has(dep)) imported(dep, seen.add(dep));
  }
  return [...seen];
};
const webChunks = imported('index.js');
const npmFiles = ['index.js', ...webChunks, 'wasm_eventsource_bg.wasm'];
const parserFiles = ['parser.js', ...imported('parser.js'), 'wasm_eventsource_bg.wasm'];
const sizes = {
  wasm: statSync(join(out, 'wasm_eventsource_bg.wasm')).size,
  wasmGzip: gz(['wasm_eventsource_bg.wasm']),
  jsGzip: gz(['index.js', ...webChunks]),
  npmEntryRaw: raw(npmFiles),
  npmEntryGzip: gz(npmFiles),
  parserEntryGzip: gz(parserFiles),
  scriptTagRaw: raw(['wasm-eventsource.js']),
  scriptTagGzip: gz(['wasm-eventsource.js']),
  sharedWorkerGzip: gz(['shared-worker.js', ...imported('shared-worker.js')]),
};
writeFileSync(join(root, 'target/pkg-sizes.json'), JSON.stringify(sizes, null, 2) + '\n');

function largestFunctions(count) {
  // A copy of the optimised module that keeps its names section.
  const named = join(src, 'named.wasm');
  run(bin('wasm-opt'), ['-Oz', '-g', ...WASM_FEATURES, ...WASM_ASSUME, join(src, 'wasm_eventsource_bg.unoptimised.wasm'), '-o', named]);
  let listing;
  try {
    listing = execFileSync('wasm-objdump', ['-x', named], { encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch {
    return null;
  }
  return [...listing.matchAll(/^ - func\[\d+\] size=(\d+) <(.*)>$/gm)]
    .map(([, size, name]) => ({ size: Number(size), name: name.replace(/::h[0-9a-f]{16}$/, '').replace(/\[[0-9a-f]{16}\]/g, '') }))
    .sort((a, b) => b.size - a.size)
    .slice(0, count);
}

const row = (what, rawBytes, gzBytes) => `  ${what.padEnd(44)} ${String(rawBytes ?? '').padStart(9)} ${String(gzBytes).padStart(9)}`;
const lines = [
  `pkg/ built: ${readdirSync(out).join(', ')}`,
  '',
  `  ${'part'.padEnd(44)} ${'raw B'.padStart(9)} ${'gzip B'.padStart(9)}`,
  row('wasm_eventsource_bg.wasm', sizes.wasm, sizes.wasmGzip),
  row('npm entry JS (index.js + its chunks)', raw(['index.js', ...webChunks]), sizes.jsGzip),
  row('npm entry (JS + wasm)', sizes.npmEntryRaw, sizes.npmEntryGzip),
  row("'wasm-eventsource/parser' (JS + wasm)", raw(parserFiles), sizes.parserEntryGzip),
  row('script tag wasm-eventsource.js (wasm inlined)', sizes.scriptTagRaw, sizes.scriptTagGzip),
  row('shared-worker.js (+ chunks, wasm not counted)', raw(['shared-worker.js', ...imported('shared-worker.js')]), sizes.sharedWorkerGzip),
];
const largest = largestFunctions(12);
if (largest) {
  lines.push('', '  largest wasm functions (bytes of code):');
  for (const f of largest) lines.push(`  ${String(f.size).padStart(7)}  ${f.name.slice(0, 100)}`);
} else {
  lines.push('', '  (wasm-objdump, from Debian\'s wabt, would name the largest functions here)');
}
console.log(lines.join('\n'));
