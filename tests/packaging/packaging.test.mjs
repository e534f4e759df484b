// The npm package as its users get it: `npm pack` of pkg/, installed once
// into fixture apps (tests/packaging/apps, copied to target/packaging), each
// streaming from the scripted test server with a custom header and a named
// event:
//   - in headless Chromium: a Vite and a webpack 5 production build, plain
//     ES modules with an import map, the script tag, a dedicated module
//     worker, a classic worker (importScripts) and a module service worker; the Vite app under a CSP that allows
//     WebAssembly ('wasm-unsafe-eval') and under one that does not, and the
//     forced script tag under the latter;
//   - in Node (with `import`, and with `require()` from CommonJS, as far
//     back as `engines` says), Deno and Bun;
//   - the types, with `tsc --noEmit` (TypeScript 5 and 7, strict, no
//     skipLibCheck, three module resolutions), with the DOM library and in
//     a Node-only project;
//   - the README, the licences and the changelog in both packages:
//     `npm publish --dry-run` of pkg/, `cargo package --list` and
//     `cargo publish --dry-run`.
// Needs `make build` first (pkg/) and the release test server.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, requests, script, startServer, stall, unique } from '../browser/harness.mjs';
import { npmReadme, slug } from '../../scripts/npm-readme.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const work = join(root, 'target/packaging');
const apps = join(work, 'apps');
const bin = (name) => join(root, 'node_modules/.bin', name);

/**
 * Bun's binary, from its platform package (`@oven/bun-linux-x64`, ...).
 * The `bun` package's own `bin` is a stub that its install script replaces,
 * and package.json denies install scripts (`allowScripts`), so the stub
 * stays; the platform package that npm installed holds the real binary.
 */
function bunBinary() {
  const arch = { x64: 'x64', arm64: 'aarch64' }[process.arch] ?? process.arch;
  const base = `@oven/bun-${process.platform}-${arch}`;
  const found = [base, `${base}-baseline`, `${base}-musl`, `${base}-musl-baseline`]
    .map((pkg) => join(root, 'node_modules', pkg, 'bin/bun'))
    .find((path) => existsSync(path));
  if (!found) throw new Error(`no Bun binary for ${process.platform}-${process.arch} in node_modules/@oven (run make setup)`);
  return found;
}
const ctx = {};

function sh(cmd, args, cwd, options = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', ...options });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

before(async () => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const packed = JSON.parse(sh('npm', ['pack', join(root, 'pkg'), '--pack-destination', work, '--json'], root));
  ctx.tarball = join(work, packed[0].filename);
  ctx.files = packed[0].files.map((f) => f.path).sort();
  cpSync(join(root, 'tests/packaging/apps'), apps, { recursive: true });
  cpSync(join(root, 'tests/packaging/types'), join(apps, 'types'), { recursive: true });
  cpSync(join(root, 'tests/packaging/types-node'), join(apps, 'types-node'), { recursive: true });
  writeFileSync(
    join(apps, 'package.json'),
    JSON.stringify({ private: true, type: 'module', dependencies: { 'wasm-eventsource': `file:${ctx.tarball}` } })
  );
  sh('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts'], apps);
  sh(process.execPath, [bin('vite'), 'build', '--outDir', 'dist', '--emptyOutDir'], join(apps, 'vite'));
  sh(process.execPath, [bin('webpack'), '--config', 'webpack.config.js'], join(apps, 'webpack'));
  ctx.server = await startServer(['--root', `pk=${apps}`]);
  ctx.browser = await launchBrowser();
});

after(async () => {
  await ctx.browser?.close();
  await ctx.server?.stop();
});

/** Script a greeting stream, open `page` with its name, and return what the page reported and the request. */
async function runPage(page) {
  const name = unique('pk');
  await script(ctx.server.base, name, { responses: [stall('event: greet\nid: 7\ndata: hello\n\n')] });
  const context = await ctx.browser.newContext();
  const errors = [];
  try {
    const p = await context.newPage();
    p.on('pageerror', (e) => errors.push(String(e)));
    await p.goto(`${ctx.server.base}/pk/${page}?name=${name}`);
    await p.waitForFunction(() => window.result, undefined, { timeout: 15000 });
    const result = await p.evaluate(() => window.result);
    const reqs = await (await fetch(`${ctx.server.base}/_requests/${name}?kind=attempts`)).json();
    return { result, reqs, errors };
  } finally {
    await context.close();
  }
}

const greeting = { type: 'greet', data: 'hello', lastEventId: '7', isMessageEvent: true };

for (const [label, page, extra] of [
  ['Vite production build', 'vite/dist/index.html', { ready: 'resolved' }],
  ["Vite build under CSP script-src 'self' 'wasm-unsafe-eval'", 'vite/dist/csp.html', { ready: 'resolved' }],
  ['webpack 5 production build', 'webpack/index.html', {}],
  ['plain ES modules with an import map', 'esm/index.html', {}],
  ['a dedicated module worker', 'worker/index.html', { native: 'function' }],
  ['a classic worker with importScripts() of the script-tag file', 'worker/classic.html', { keptNative: true }],
  ['a module service worker, with for await', 'sw/index.html', { native: 'function', iterated: 'hello' }],
  ['the script tag (data-force replaces the native class)', 'script/index.html', { replaced: true, keptNative: false, ready: 'resolved' }],
]) {
  test(`${label}: streams with a custom header and a named event`, async () => {
    const { result, reqs, errors } = await runPage(page);
    assert.deepEqual(result, { ...extra, ...greeting });
    // The service worker opens a second source, for its loop.
    assert.equal(reqs.length, 'iterated' in extra ? 2 : 1);
    assert.match(reqs[0].path, /^\/sse\/pk/);
    assert.equal(reqs[0].headers['x-app'], reqs[0].path.slice('/sse/'.length), 'the custom header reached the server');
    assert.deepEqual(errors, []);
  });
}

test('Vite build: a shared source runs in the shared worker the build emitted', async () => {
  const { result, reqs, errors } = await runPage('vite/dist/shared.html');
  assert.deepEqual(
    { type: result.type, data: result.data, lastEventId: result.lastEventId },
    { type: 'greet', data: 'hello', lastEventId: '7' }
  );
  assert.equal(result.holderHeld, true, 'someone holds the stream');
  assert.equal(result.pageHolds, false, 'and not the page: the worker holds it');
  assert.equal(reqs.length, 1);
  assert.equal(reqs[0].headers['x-app'], reqs[0].path.slice('/sse/'.length));
  assert.deepEqual(errors, []);
});

test("Vite build under CSP without 'wasm-unsafe-eval': ready rejects, each source fails with one error", async () => {
  const { result, reqs } = await runPage('vite/dist/nowasm.html');
  assert.equal(result.ready, 'rejected');
  assert.match(result.readyError, /CompileError|WebAssembly|unsafe-eval/);
  assert.equal(result.reason, 'setup');
  assert.match(result.error, /could not load its WebAssembly module/);
  assert.equal(reqs.length, 0, 'nothing was requested');
});

test("the forced script tag under CSP without 'wasm-unsafe-eval' keeps the native class", async () => {
  const { result, reqs } = await runPage('script/nowasm.html');
  assert.deepEqual(
    { replaced: result.replaced, keptNative: result.keptNative, ready: result.ready },
    { replaced: false, keptNative: true, ready: 'rejected' }
  );
  // The page streamed with the native class, which needs no WebAssembly.
  assert.deepEqual({ type: result.type, data: result.data, lastEventId: result.lastEventId }, { type: 'greet', data: 'hello', lastEventId: '7' });
  assert.equal(reqs.length, 1);
});

for (const [runtime, cmd, args] of [
  ['Node', process.execPath, ['app.mjs']],
  ['Deno', bin('deno'), ['run', '--quiet', '--allow-net', '--allow-read', '--allow-env', '--allow-sys', 'app.mjs']],
  ['Bun', bunBinary(), ['app.mjs']],
]) {
  test(`${runtime}: import { EventSource } from 'wasm-eventsource' streams`, async () => {
    const name = unique('rt');
    await script(ctx.server.base, name, { responses: [stall('event: greet\nid: 7\ndata: hello\n\n')] });
    const out = await new Promise((resolve, reject) => {
      const child = spawnSync(cmd, [...args, ctx.server.base, name], {
        cwd: join(apps, 'runtime'),
        encoding: 'utf8',
        timeout: 30000,
        env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
      });
      if (child.status === 0) resolve(child.stdout);
      else reject(new Error(`${runtime} exited ${child.status}: ${child.stdout}\n${child.stderr}`));
    });
    const result = JSON.parse(out.trim().split('\n').pop());
    assert.deepEqual(
      { type: result.type, data: result.data, lastEventId: result.lastEventId, origin: result.origin },
      { type: 'greet', data: 'hello', lastEventId: '7', origin: ctx.server.base }
    );
    assert.equal(result.polyfilled, true, 'the polyfill installs ours only where there is no native class');
    assert.equal(result.version, JSON.parse(readFileSync(join(root, 'pkg/package.json'), 'utf8')).version, 'package.json is exported');
    const reqs = await (await fetch(`${ctx.server.base}/_requests/${name}?kind=attempts`)).json();
    assert.equal(reqs[0].headers['x-app'], name);
  });
}

test('Node: EventStreamParser, for await, fromReadableStream() and the parser entry', async () => {
  const name = unique('node-streams');
  await script(ctx.server.base, name, {
    responses: [{ body: [{ data: 'retry: 2500\nid: 1\ndata: a\n\nevent: up\ndata: b\n\ndata: unfinished' }] }],
  });
  const target = unique('node-redirect-target');
  await script(ctx.server.base, target, { responses: [stall('data: leaked\n\n')] });
  await script(ctx.server.base, `${name}-redirect`, { responses: [{ status: 302, headers: { location: `${ctx.server.base}/sse/${target}` } }] });
  const r = spawnSync(process.execPath, ['streams.mjs', ctx.server.base, name], { cwd: join(apps, 'runtime'), encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  const events = [
    ['message', 'a', '1'],
    ['up', 'b', '1'],
  ];
  assert.deepEqual(out.parsed, events);
  assert.deepEqual(out.retries, [2500]);
  assert.deepEqual(out.iterated, events, 'the loop yields the messages received');
  assert.equal(out.ended, 'normally', 'a clean end with no reconnection to follow (maxAttempts 0) ends the loop');
  assert.deepEqual(out.thrown, { isEventSourceError: true, reason: 'status', status: 404 }, 'a failure throws');
  assert.deepEqual(out.redirect, { isEventSourceError: true, reason: 'redirect', status: 302 }, 'with headers, a redirect is refused');
  assert.equal((await requests(ctx.server.base, target)).length, 0, 'nothing reached the new address');
  assert.deepEqual(out.fromStream, {
    streamed: [
      ['a', 'null'],
      ['b', 'null'],
    ],
    lastEventId: '1',
    reconnectionTime: 2500,
    url: 'about:event-stream',
  });
  assert.deepEqual(out.parserOnly, ['a', 'b']);
});

/** Whether `version` (x.y.z) satisfies `range`, in the subset of npm's syntax `engines` uses here: `^x.y.z` and `>=x.y.z` joined by `||`. */
function satisfies(version, range) {
  const parse = (v) => v.split('.').map(Number);
  const cmp = (a, b) => a.map((n, i) => n - b[i]).find((d) => d !== 0) ?? 0;
  const v = parse(version);
  return range.split('||').some((part) => {
    const m = /^\s*(\^|>=)(\d+\.\d+\.\d+)\s*$/.exec(part);
    if (!m) throw new Error(`engines range ${JSON.stringify(range)}: cannot read ${JSON.stringify(part)}`);
    const min = parse(m[2]);
    return cmp(v, min) >= 0 && (m[1] === '>=' || v[0] === min[0]);
  });
}

test("Node: require('wasm-eventsource') from CommonJS streams, in every Node that engines admits", async () => {
  const engines = JSON.parse(readFileSync(join(apps, 'node_modules/wasm-eventsource/package.json'), 'utf8')).engines.node;
  // engines admits the versions whose require() loads ES modules without a
  // flag (20.19 and 22.12 unflagged it) and no earlier one.
  for (const v of ['20.19.0', '20.20.2', '22.12.0', '23.0.0', '24.1.0']) assert.ok(satisfies(v, engines), `${engines} admits ${v}`);
  for (const v of ['18.20.0', '20.0.0', '20.18.3', '21.7.3', '22.0.0', '22.11.0']) assert.ok(!satisfies(v, engines), `${engines} excludes ${v}`);
  assert.ok(satisfies(process.versions.node, engines), `this Node (${process.versions.node}) is one that ${engines} admits`);

  const name = unique('cjs');
  await script(ctx.server.base, name, { responses: [stall('event: greet\nid: 7\ndata: hello\n\n')] });
  const r = spawnSync(process.execPath, ['require.cjs', ctx.server.base, name], { cwd: join(apps, 'runtime'), encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()), {
    type: 'greet',
    data: 'hello',
    lastEventId: '7',
    origin: ctx.server.base,
    parser: 'function',
    sameClass: true,
    requireModule: true,
  });
  const reqs = await (await fetch(`${ctx.server.base}/_requests/${name}?kind=attempts`)).json();
  assert.equal(reqs[0].headers['x-app'], name);

  // The package is ES modules only: a Node whose require() cannot load ES
  // modules (as before 20.19 and 22.12) cannot load it, which is why
  // engines excludes those versions.
  const old = spawnSync(process.execPath, ['--no-experimental-require-module', 'require.cjs', ctx.server.base, name], {
    cwd: join(apps, 'runtime'),
    encoding: 'utf8',
    timeout: 30000,
  });
  assert.notEqual(old.status, 0);
  assert.match(old.stderr, /ERR_REQUIRE_ESM/);
});

// The package's declarations must compile with the DOM library (where the
// class is a drop-in for the DOM's), with the DOM library and @types/node
// together, and in a project for Node alone. `types: ["node"]` finds
// @types/node in the repository's node_modules, above the fixtures.
// Tests that talk to the test server come before these: tsc holds the
// event loop (spawnSync) for a minute, and the keep-alive connection that
// this process's fetch pools does not survive that (its next request
// fails with "fetch failed").
const TYPE_PROJECTS = [
  ['with the DOM library', 'types', []],
  ['with the DOM library and @types/node', 'types', ['--types', 'node']],
  ['in a Node-only project (lib es2022, types node)', 'types-node', []],
];
for (const [ts, tsc] of [
  ['TypeScript 5', join(root, 'node_modules/typescript5/bin/tsc')],
  ['TypeScript 7', join(root, 'node_modules/typescript/bin/tsc')],
]) {
  for (const [label, project, extra] of TYPE_PROJECTS) {
    test(`${ts}: the types compile ${label} (strict, no skipLibCheck, every module resolution)`, () => {
      const version = sh(process.execPath, [tsc, '--version'], root).trim();
      assert.match(version, ts === 'TypeScript 5' ? /^Version 5\./ : /^Version 7\./);
      const config = JSON.parse(readFileSync(join(apps, project, 'tsconfig.json'), 'utf8')).compilerOptions;
      assert.deepEqual([config.strict, config.skipLibCheck], [true, false]);
      assert.equal(config.lib.includes('dom'), project === 'types', 'the Node-only project has no DOM library');
      for (const [module, resolution] of [
        ['nodenext', 'nodenext'],
        ['node16', 'node16'],
        ['esnext', 'bundler'],
      ]) {
        sh(process.execPath, [tsc, '-p', 'tsconfig.json', '--module', module, '--moduleResolution', resolution, ...extra], join(apps, project));
      }
    });
  }
}

/** The licences, the user's README and the changelog: what each package must ship. */
const DOCS = ['CHANGELOG.md', 'LICENSE-APACHE', 'LICENSE-MIT', 'README.md'];

test("the npm README is the repository README's user sections, with links that work on npmjs.com", () => {
  const shipped = readFileSync(join(apps, 'node_modules/wasm-eventsource/README.md'), 'utf8');
  const pkgJson = JSON.parse(readFileSync(join(root, 'pkg-template/package.json'), 'utf8'));
  assert.equal(shipped, npmReadme(readFileSync(join(root, 'README.md'), 'utf8'), pkgJson), 'made from README.md as it is now');
  const prose = shipped.replace(/^```[\s\S]*?^```/gm, '').replace(/`+[^`]*?`+/g, '');
  const headings = prose.match(/^#{1,3} .*$/gm);
  for (const h of [
    '# wasm-eventsource',
    '## Usage',
    '### npm',
    '### Node, Deno and Bun',
    '### Workers',
    '### Script tag',
    '### Size',
    '## Options',
    '## Browser support',
    '## What differs from the native EventSource',
    '## License',
  ]) {
    assert.ok(headings.includes(h), `the npm README has ${h}`);
  }
  for (const h of ['## The two commands', '### Rust', '## How it works']) assert.ok(!headings.includes(h), `the npm README leaves out ${h}`);
  assert.doesNotMatch(shipped, /make (test|demo|setup)\b|npm-readme:/);
  // Outside code, every link is absolute or to a heading of the npm README.
  const anchors = new Set(shipped.replace(/^```[\s\S]*?^```/gm, '').match(/^#+ .*$/gm).map((h) => '#' + slug(h.replace(/^#+ /, ''))));
  for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    assert.ok(/^https?:\/\//.test(target) || anchors.has(target), `a link that works on npmjs.com: ${target}`);
  }
});

test('the tarball holds the package and nothing else; npm publish --dry-run passes', () => {
  const chunks = ctx.files.filter((f) => f.startsWith('chunk-'));
  assert.ok(chunks.length >= 2 && chunks.every((f) => /^chunk-(node-)?[A-Z0-9]+\.js$/.test(f)), `chunks loaded on first use: ${chunks}`);
  assert.deepEqual(
    ctx.files.filter((f) => !f.startsWith('chunk-')),
    [
      'CHANGELOG.md',
      'LICENSE-APACHE',
      'LICENSE-MIT',
      'README.md',
      'index.d.ts',
      'index.js',
      'iterate.d.ts',
      'iterate.js',
      'node.js',
      'package.json',
      'parser-node.js',
      'parser.d.ts',
      'parser.js',
      'polyfill-node.js',
      'polyfill.d.ts',
      'polyfill.js',
      'script.d.ts',
      'shared-worker.js',
      'wasm-eventsource.js',
      'wasm_eventsource_bg.wasm',
    ]
  );
  for (const f of DOCS) {
    assert.equal(readFileSync(join(apps, 'node_modules/wasm-eventsource', f), 'utf8').length > 0, true, `${f} is not empty`);
    if (f !== 'README.md') assert.equal(readFileSync(join(apps, 'node_modules/wasm-eventsource', f), 'utf8'), readFileSync(join(root, f), 'utf8'), `${f} as in the repository`);
  }
  const published = JSON.parse(sh('npm', ['publish', '--dry-run', '--ignore-scripts', '--json'], join(root, 'pkg')));
  const listed = published['wasm-eventsource'].files.map((f) => f.path);
  for (const f of DOCS) assert.ok(listed.includes(f), `npm publish --dry-run lists ${f}: ${listed}`);
});

test('the crate ships the README, the licences and the changelog; cargo publish --dry-run passes (the test server is not published)', () => {
  const listed = sh('cargo', ['package', '--list', '--allow-dirty', '-p', 'wasm-eventsource'], root).split('\n');
  for (const f of DOCS) assert.ok(listed.includes(f), `cargo package --list lists ${f}`);
  const manifest = readFileSync(join(root, 'Cargo.toml'), 'utf8');
  assert.match(manifest, /^readme = "README\.md"$/m);
  assert.match(manifest, /^license = "MIT OR Apache-2\.0"$/m);
  sh('cargo', ['publish', '--dry-run', '--allow-dirty', '-p', 'wasm-eventsource'], root);
});
