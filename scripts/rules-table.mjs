// Turns src/rules.json, the one table of every option's rule and every
// error's words, into the JavaScript module the package imports as
// './rules-table.js' (the option checks of options.js, the error words of
// core.js). build.rs turns the same table into Rust constants.
//   node scripts/rules-table.mjs [OUT]   writes OUT (default: stdout)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The table's JavaScript module, as source text. */
export function rulesTable() {
  const table = JSON.parse(readFileSync(join(root, 'src/rules.json'), 'utf8'));
  const number = (v, absent) => (v === undefined ? absent : JSON.stringify(v));
  const rules = table.options.map((o) => {
    const fields = [`e:${JSON.stringify(o.expected ?? '')}`];
    if (o.kind === 'number' || o.kind === 'fraction' || o.kind === 'statuses') {
      fields.push(`min:${number(o.min, '-Infinity')}`, `max:${number(o.max, 'Infinity')}`);
      if (o.integer) fields.push('i:1');
    }
    if (o.default !== undefined) fields.push(`d:${JSON.stringify(o.default)}`);
    if (o.withoutBody) fields.push(`noBody:${JSON.stringify(o.withoutBody)}`);
    return `${JSON.stringify(o.js)}:{${fields.join(',')}}`;
  });
  const values = (js) => JSON.stringify(table.options.find((o) => o.js === js).values);
  return [
    '// Generated from src/rules.json by scripts/rules-table.mjs: edit that file.',
    '/** Each option: e (what it must be), min, max, i (whole number), d (default), noBody. */',
    `export const OPTIONS = {${rules.join(',')}};`,
    '/** The values of the options that take one of a few words, in the order the core numbers them. */',
    `export const CREDENTIALS = ${values('credentials')};`,
    `export const STREAM_ENDS = ${values('streamEnd')};`,
    `export const REDIRECTS = ${values('redirect')};`,
    `export const METHOD_CHARACTERS = ${JSON.stringify(table.methods.tokenCharacters)};`,
    `export const FORBIDDEN_METHODS = ${JSON.stringify(table.methods.forbidden)};`,
    `export const METHODS_WITHOUT_BODY = ${JSON.stringify(table.methods.withoutBody)};`,
    `export const SPECIAL_SCHEMES = ${JSON.stringify(table.url.specialSchemes)};`,
    `export const FORBIDDEN_HOST_CODE_POINTS = ${JSON.stringify(table.url.forbiddenHostCodePoints)};`,
    `export const STREAM_URL = ${JSON.stringify(table.url.streamUrl)};`,
    '/** The words of each error sentence (the core picks one by its index), and what may follow. */',
    `export const SENTENCES = ${JSON.stringify(table.errors.sentences.map((s) => s.words))};`,
    '/** The reason of each sentence. */',
    `export const SENTENCE_REASONS = ${JSON.stringify(table.errors.sentences.map((s) => s.reason))};`,
    `export const DETAIL = ${JSON.stringify(table.errors.detail)};`,
    `export const RETRYING = ${JSON.stringify(table.errors.retrying)};`,
    `export const GAVE_UP = ${JSON.stringify(table.errors.gaveUp)};`,
    '/** The detail when a chunk is not a Uint8Array, or the fetch option gives no Response ({type}: what it was). */',
    `export const NOT_BYTES = ${JSON.stringify(table.errors.notBytes)};`,
    `export const NOT_RESPONSE = ${JSON.stringify(table.errors.notResponse)};`,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (out) writeFileSync(out, rulesTable());
  else process.stdout.write(rulesTable());
}
