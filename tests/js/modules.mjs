// The package's JavaScript modules as they are before bundling, for unit
// tests under Node with no WebAssembly build and no browser: pkg-template/
// copied to target/js-unit/ with the generated './rules-table.js' beside
// it (scripts/rules-table.mjs, as the build makes it).
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rulesTable } from '../../scripts/rules-table.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = join(root, 'target/js-unit');
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(join(root, 'pkg-template'))) {
  if (f.endsWith('.js')) copyFileSync(join(root, 'pkg-template', f), join(dir, f));
}
writeFileSync(join(dir, 'rules-table.js'), rulesTable());

/** Imports `file` (e.g. 'options.js') from the copy. */
export const load = (file) => import(pathToFileURL(join(dir, file)).href);
