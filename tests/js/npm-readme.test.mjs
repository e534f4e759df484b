// The npm README's assembly (scripts/npm-readme.mjs): the marked sections of
// the repository's README, in order, with links that work on npmjs.com.
// The packaging test checks the README the tarball actually ships.
import test from 'node:test';
import assert from 'node:assert/strict';
import { githubUrl, npmReadme, slug, userSections } from '../../scripts/npm-readme.mjs';

const B = '<!-- npm-readme:begin -->';
const E = '<!-- npm-readme:end -->';
const REPO = 'https://github.com/owner/name';

const readme = [
  '# pkg',
  '',
  B,
  'Intro, see [Usage](#usage) and [internals](#how-it-works).',
  E,
  '',
  '## Building',
  '',
  'make test',
  '',
  B,
  '## Usage',
  '',
  'Sizes in [the benchmarks](BENCHMARKS.md), the [licence](./LICENSE-MIT#L1),',
  'the [standard](https://html.spec.whatwg.org/) and ![a logo](www/logo.png).',
  '[`EventSource`](docs/api.md) is the class.',
  '',
  '```js',
  "const x = a[0](b); // [not](a-link.md)",
  '```',
  '',
  'Code spans stay: `[text](file.md)`.',
  E,
  '',
  '## How it works',
  '',
  'Internals.',
].join('\n');

test('the marked sections, in order, and nothing outside them', () => {
  assert.deepEqual(
    userSections(readme).map((s) => s.split('\n')[0]),
    ['Intro, see [Usage](#usage) and [internals](#how-it-works).', '## Usage']
  );
  const out = npmReadme(readme, { name: 'pkg', repository: REPO });
  assert.match(out, /^# pkg\n\n\*The README of the npm package\..*\[repository\]\(https:\/\/github\.com\/owner\/name#readme\)/);
  assert.doesNotMatch(out, /make test|## Building|## How it works|Internals/);
  assert.ok(out.indexOf('Intro, see') < out.indexOf('## Usage'));
});

test('unbalanced or missing markers fail the build', () => {
  assert.throws(() => userSections('no markers'), /no <!-- npm-readme:begin -->/);
  assert.throws(() => userSections(`${B}\nopen`), /without its <!-- npm-readme:end -->/);
  assert.throws(() => userSections(`${B}\na\n${B}\nb\n${E}`), /without its <!-- npm-readme:end -->/);
  assert.throws(() => userSections(`a\n${E}\n${B}\nb\n${E}`), /without a <!-- npm-readme:begin --> before it/);
});

test('links into the repository become absolute; in-page links stay when their section is in', () => {
  const out = npmReadme(readme, { name: 'pkg', repository: { type: 'git', url: 'git+https://github.com/owner/name.git' } });
  assert.match(out, /\[Usage\]\(#usage\)/, 'a section of the npm README');
  assert.match(out, /\[internals\]\(https:\/\/github\.com\/owner\/name#how-it-works\)/, 'a section left in the repository');
  assert.match(out, /\[the benchmarks\]\(https:\/\/github\.com\/owner\/name\/blob\/HEAD\/BENCHMARKS\.md\)/);
  assert.match(out, /\[licence\]\(https:\/\/github\.com\/owner\/name\/blob\/HEAD\/LICENSE-MIT#L1\)/);
  assert.match(out, /!\[a logo\]\(https:\/\/github\.com\/owner\/name\/blob\/HEAD\/www\/logo\.png\)/);
  assert.match(out, /\[`EventSource`\]\(https:\/\/github\.com\/owner\/name\/blob\/HEAD\/docs\/api\.md\)/, 'a link whose text is code');
  assert.match(out, /\[standard\]\(https:\/\/html\.spec\.whatwg\.org\/\)/, 'absolute links are kept');
  assert.match(out, /const x = a\[0\]\(b\); \/\/ \[not\]\(a-link\.md\)/, 'code blocks are untouched');
  assert.match(out, /`\[text\]\(file\.md\)`/, 'code spans are untouched');
});

test('without a GitHub repository, links into it keep their text only', () => {
  for (const repository of [undefined, 'https://gitlab.com/owner/name']) {
    const out = npmReadme(readme, { name: 'pkg', repository });
    assert.match(out, /see \[Usage\]\(#usage\) and internals \(in the repository's README\)\./);
    assert.match(out, /Sizes in the benchmarks, the licence,/);
    assert.match(out, /in the repository\.\*/);
    assert.doesNotMatch(out.replace(/```[\s\S]*?```|`[^`]*`/g, ''), /\]\((?!#usage\)|https:)/, 'no relative link is left');
  }
});

test("package.json's repository, in each of its forms", () => {
  for (const repository of [
    'github:owner/name',
    'owner/name',
    'https://github.com/owner/name',
    'git+https://github.com/owner/name.git',
    'git://github.com/owner/name.git',
    'git+ssh://git@github.com/owner/name.git',
    { type: 'git', url: 'https://github.com/owner/name.git', directory: 'pkg' },
  ]) {
    assert.equal(githubUrl(repository), REPO, JSON.stringify(repository));
  }
  assert.equal(githubUrl(undefined), null);
  assert.equal(githubUrl('https://example.com/owner/name'), null);
});

test("GitHub's anchors for headings", () => {
  assert.equal(slug('What differs from the native EventSource'), 'what-differs-from-the-native-eventsource');
  assert.equal(slug('Streams: `for await`, `EventStreamParser`, `fromReadableStream()`'), 'streams-for-await-eventstreamparser-fromreadablestream');
  assert.equal(slug('One connection for every tab: `shared`'), 'one-connection-for-every-tab-shared');
});
