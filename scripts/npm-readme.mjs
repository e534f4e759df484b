// The npm package's README (pkg/README.md), assembled from the user's
// sections of the repository's README.md so that both say the same thing
// from one source. The sections are marked in README.md with
//   <!-- npm-readme:begin -->
//   ...
//   <!-- npm-readme:end -->
// and taken in order; what lies outside them (building, testing, how it
// works, the Rust API) stays in the repository. The result renders on
// npmjs.com, which cannot follow a link into the repository: a relative
// link becomes an absolute one to the repository (package.json's
// `repository`), an in-page link to a section left out goes to that
// section of the repository's README, and without a repository such links
// keep their text only (saying where a section left out is).
//   node scripts/npm-readme.mjs [OUT]   writes OUT (default: stdout)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BEGIN = '<!-- npm-readme:begin -->';
const END = '<!-- npm-readme:end -->';
/** A fenced code block (split() keeps it, at odd indices). */
const FENCED = /^(```[^\n]*\n[\s\S]*?^```[ \t]*$)/m;

/**
 * The web address of a package.json `repository` on GitHub
 * (`https://github.com/owner/name`), or null when it has none or it is
 * elsewhere (the links this makes are GitHub's).
 */
export function githubUrl(repository) {
  const url = typeof repository === 'string' ? repository : repository?.url;
  if (!url) return null;
  const m =
    /^(?:github:)?([\w.-]+)\/([\w.-]+?)(?:\.git)?$/.exec(url) ??
    /^(?:git\+)?(?:https?|git|ssh):\/\/(?:git@)?github\.com\/([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(url);
  return m ? `https://github.com/${m[1]}/${m[2]}` : null;
}

/** GitHub's anchor for a heading's text (what `#...` links name). */
export function slug(heading) {
  return heading
    .replace(/`/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The marked sections of `markdown`, in order; throws when the markers are unbalanced or missing. */
export function userSections(markdown) {
  const sections = [];
  let at = 0;
  for (;;) {
    const begin = markdown.indexOf(BEGIN, at);
    const end = markdown.indexOf(END, at);
    if (begin < 0 && end < 0) break;
    if (end >= 0 && (begin < 0 || end < begin)) throw new Error(`README.md: ${END} without a ${BEGIN} before it`);
    const next = markdown.indexOf(BEGIN, begin + BEGIN.length);
    if (end < 0 || (next >= 0 && next < end)) throw new Error(`README.md: ${BEGIN} without its ${END}`);
    sections.push(markdown.slice(begin + BEGIN.length, end).replace(/^\n+|\s+$/g, ''));
    at = end + END.length;
  }
  if (sections.length === 0) throw new Error(`README.md has no ${BEGIN} ... ${END} section for the npm package`);
  return sections;
}

/**
 * Applies `rewrite` to `markdown` outside fenced code blocks, with each code
 * span held out of its reach (a link's text may be code; a code span is
 * never a link).
 */
function outsideCode(markdown, rewrite) {
  return markdown
    .split(FENCED)
    .map((part, i) => {
      if (i % 2) return part;
      const spans = [];
      const held = part.replace(/`+[^`]*?`+/g, (span) => `\0${spans.push(span) - 1}\0`);
      return rewrite(held).replace(/\0(\d+)\0/g, (_, n) => spans[n]);
    })
    .join('');
}

/**
 * The npm README: `name` as its title, a line saying where the rest is,
 * then the sections of `markdown` (the repository's README) marked for npm,
 * with their links made to work on npmjs.com (`repository` is package.json's).
 */
export function npmReadme(markdown, { name, repository }) {
  const repo = githubUrl(repository);
  const body = userSections(markdown).join('\n\n');
  const anchors = new Set();
  const prose = body.split(FENCED).filter((_, i) => i % 2 === 0).join('\n');
  for (const [, heading] of prose.matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*$/gm)) anchors.add(slug(heading));
  const linked = outsideCode(body, (text) =>
    text.replace(/(!?)\[([^\]]*)\]\(([^)\s]+)\)/g, (link, image, label, target) => {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return link;
      if (target.startsWith('#')) {
        if (anchors.has(target.slice(1))) return link;
        return repo ? `${image}[${label}](${repo}${target})` : `${label} (in the repository's README)`;
      }
      return repo ? `${image}[${label}](${repo}/blob/HEAD/${target.replace(/^\.?\//, '')})` : label;
    })
  );
  const rest = repo ? `the [repository](${repo}#readme)` : 'the repository';
  return [
    `# ${name}`,
    '',
    `*The README of the npm package. The Rust API, how the package works and how to build and test it are in ${rest}.*`,
    '',
    linked,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const { name, repository } = JSON.parse(readFileSync(join(root, 'pkg-template/package.json'), 'utf8'));
  const readme = npmReadme(readFileSync(join(root, 'README.md'), 'utf8'), { name, repository });
  if (process.argv[2]) writeFileSync(process.argv[2], readme);
  else process.stdout.write(readme);
}
