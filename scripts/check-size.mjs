// `make test-size`: fails when a part of pkg/ outgrows its ceiling in
// scripts/size-budget.json (sizes are deterministic, unlike times), and
// says how far each is from its target. Reads target/pkg-sizes.json, which
// `make build` writes.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sizes = JSON.parse(readFileSync(join(root, 'target/pkg-sizes.json'), 'utf8'));
const budget = JSON.parse(readFileSync(join(root, 'scripts/size-budget.json'), 'utf8'));
let over = false;
for (const [part, { target, ceiling }] of Object.entries(budget)) {
  if (part === 'about') continue;
  const size = sizes[part];
  if (typeof size !== 'number') throw new Error(`target/pkg-sizes.json has no ${part}: run make build`);
  const status = size > ceiling ? 'OVER THE CEILING' : 'within the ceiling';
  console.log(
    `test-size: ${part} ${size} B gzip: ${status} (${ceiling} B); target ${target} B ${size <= target ? 'met' : `missed by ${size - target} B`}`
  );
  over ||= size > ceiling;
}
if (over) {
  console.error('test-size: the package grew past its ceiling (scripts/size-budget.json)');
  process.exit(1);
}
