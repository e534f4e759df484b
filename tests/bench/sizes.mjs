// `make bench-size`: what a page downloads with each SSE client, side by
// side. One Vite production build per client of the same minimal page (open
// a source on /stream, log each message), then every file of dist/ that the
// page loads (its JS and, for ours, the .wasm; not the shared worker, which
// only `shared` sources start), each gzipped at level 9, summed. Prints a
// markdown table and writes target/bench-sizes.json. What the page loads is
// read from Vite's manifest: the entry chunk, the chunks it imports
// statically, and the WebAssembly; chunks loaded on first use (`for await`,
// `shared`) and the shared worker are left out.
//
// Usage: node tests/bench/sizes.mjs   (after `make build`: ours comes from pkg/)
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const work = join(root, 'target/bench-sizes');

const CLIENTS = {
  'wasm-eventsource': {
    alias: { 'wasm-eventsource': join(root, 'pkg/index.js') },
    code: "import { EventSource } from 'wasm-eventsource';\nnew EventSource('/stream').onmessage = (e) => console.log(e.data);",
  },
  'eventsource v4': {
    code: "import { EventSource } from 'eventsource';\nnew EventSource('/stream').onmessage = (e) => console.log(e.data);",
  },
  'event-source-polyfill': {
    code: "import { EventSourcePolyfill } from 'event-source-polyfill';\nnew EventSourcePolyfill('/stream').onmessage = (e) => console.log(e.data);",
  },
  '@microsoft/fetch-event-source': {
    code: "import { fetchEventSource } from '@microsoft/fetch-event-source';\nfetchEventSource('/stream', { onmessage: (e) => console.log(e.data) });",
  },
};

/** Files of `dir`, recursively, relative to it. */
function files(dir, prefix = '') {
  return readdirSync(dir).flatMap((f) =>
    statSync(join(dir, f)).isDirectory() ? files(join(dir, f), `${prefix}${f}/`) : [`${prefix}${f}`]
  );
}

rmSync(work, { recursive: true, force: true });
const rows = {};
for (const [name, { code, alias = {} }] of Object.entries(CLIENTS)) {
  const dir = join(work, name.replace(/[^a-z0-9]+/gi, '-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>\n');
  writeFileSync(join(dir, 'main.js'), `${code}\n`);
  await build({
    root: dir,
    base: './',
    logLevel: 'error',
    resolve: { alias },
    build: { outDir: join(dir, 'dist'), emptyOutDir: true, manifest: true },
  });
  const manifest = JSON.parse(readFileSync(join(dir, 'dist/.vite/manifest.json'), 'utf8'));
  const loaded = new Set(files(join(dir, 'dist')).filter((f) => f.endsWith('.wasm')));
  const visit = (key) => {
    const chunk = manifest[key];
    if (loaded.has(chunk.file)) return;
    loaded.add(chunk.file);
    for (const dep of chunk.imports ?? []) visit(dep);
  };
  visit('index.html');
  const bytes = [...loaded].map((f) => [f, gzipSync(readFileSync(join(dir, 'dist', f)), { level: 9 }).length]);
  rows[name] = { files: Object.fromEntries(bytes), total: bytes.reduce((n, [, b]) => n + b, 0) };
}
writeFileSync(join(root, 'target/bench-sizes.json'), JSON.stringify(rows, null, 2) + '\n');
console.log('| client | what the page loads, gzipped |\n| --- | --: |');
for (const [name, { files: f, total }] of Object.entries(rows)) {
  console.log(`| ${name} | ${total.toLocaleString('en')} B (${Object.keys(f).join(', ')}) |`);
}
