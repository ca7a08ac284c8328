#!/usr/bin/env node
// Checks that every relative link of README.md and docs/*.md resolves: the file or folder
// exists, and a #fragment names a heading of the Markdown file it points to (GitHub's slugs).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownFiles } from './check-doc-snippets.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The text outside fenced code blocks and inline code spans, line by line (kept in place). */
function prose(text) {
  let fence = null;
  return text.split('\n').map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence !== null) {
      if (marker !== null && line.trimStart().startsWith(fence)) fence = null;
      return '';
    }
    if (marker !== null) {
      fence = marker[1];
      return '';
    }
    return line.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length));
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2. */
export function anchors(text) {
  const seen = new Map();
  const found = new Set();
  let fence = null;
  for (const line of text.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence !== null) {
      if (marker !== null && line.trimStart().startsWith(fence)) fence = null;
      continue;
    }
    if (marker !== null) {
      fence = marker[1];
      continue;
    }
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading === null) continue;
    const base = heading[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    found.add(n === 0 ? base : `${base}-${n}`);
  }
  return found;
}

function main() {
  const problems = [];
  let checked = 0;
  for (const file of markdownFiles()) {
    const text = readFileSync(join(root, file), 'utf8');
    prose(text).forEach((line, index) => {
      for (const match of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = match[1];
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, ...
        checked++;
        const [path, fragment] = target.split('#', 2);
        const resolved = path === '' ? join(root, file) : resolve(dirname(join(root, file)), decodeURI(path));
        const at = `${file}:${index + 1}`;
        if (!existsSync(resolved)) {
          problems.push(`${at}: ${target}: no such file ${relative(root, resolved)}`);
          continue;
        }
        if (fragment === undefined) continue;
        if (!resolved.endsWith('.md') || statSync(resolved).isDirectory()) {
          problems.push(`${at}: ${target}: a #fragment on a file that is not Markdown`);
          continue;
        }
        if (!anchors(readFileSync(resolved, 'utf8')).has(decodeURIComponent(fragment))) {
          problems.push(`${at}: ${target}: no heading #${fragment} in ${relative(root, resolved)}`);
        }
      }
    });
  }
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) {
    console.error(`doc links: ${problems.length} broken of ${checked} relative link(s)`);
    process.exitCode = 1;
  } else {
    console.log(`doc links: ${checked} relative link(s) resolve`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
