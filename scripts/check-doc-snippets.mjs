#!/usr/bin/env node
// Type-checks every ```ts block of README.md and docs/*.md against mazepa's own sources:
// each block becomes a module of its own in a scratch folder (imports of 'mazepa', 'mazepa/sqs'
// and 'mazepa/testing' resolve to src/ through tsconfig.json's paths), next to the modules in
// scripts/doc-snippets/ that stand for the reader's own code ('./pipeline.js', './ops.js', ...).
// Errors are reported at the line of the Markdown file. Mark illustrative fragments ```text.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Under node_modules, so that 'rxjs', 'vitest' and '@aws-sdk/*' resolve as they do for the tests.
const scratch = join(root, 'node_modules', '.cache', 'mazepa-doc-snippets');

/** README.md and every Markdown file under docs/. */
export function markdownFiles() {
  const docs = join(root, 'docs');
  const found = ['README.md'];
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) found.push(relative(root, path));
    }
  };
  walk(docs);
  return found.sort();
}

/** The ```ts blocks of a Markdown text: `{ line, code }`, line being the block's first code line (1-based). */
export function typeScriptBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(\S*)/.exec(lines[i]);
    if (open === null) continue;
    const [, indent, fence, lang] = open;
    let end = i + 1;
    while (end < lines.length && !lines[end].trimStart().startsWith(fence)) end++;
    if (lang === 'ts' || lang === 'typescript') {
      const code = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l));
      blocks.push({ line: i + 2, code: code.join('\n') });
    }
    i = end;
  }
  return blocks;
}

function main() {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  cpSync(join(root, 'scripts', 'doc-snippets'), scratch, { recursive: true });
  const origin = new Map(); // scratch file -> { file, line }
  for (const file of markdownFiles()) {
    for (const block of typeScriptBlocks(readFileSync(join(root, file), 'utf8'))) {
      const name = `${file.replace(/[^A-Za-z0-9]+/g, '-')}-L${block.line}.ts`;
      // `export {}` makes each block a module (its own scope, top-level await allowed).
      writeFileSync(join(scratch, name), `${block.code}\nexport {};\n`);
      origin.set(join(scratch, name), { file, line: block.line });
    }
  }
  const base = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  const options = { ...base.options, noEmit: true, noUnusedLocals: false, noUnusedParameters: false };
  const rootNames = readdirSync(scratch)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(scratch, f));
  const program = ts.createProgram({ rootNames, options });
  const diagnostics = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || origin.has(d.file.fileName) || d.file.fileName.startsWith(scratch));
  for (const d of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined) {
      console.error(`error TS${d.code}: ${message}`);
      continue;
    }
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const at = origin.get(d.file.fileName);
    const where = at ? `${at.file}:${at.line + line}:${character + 1}` : relative(root, d.file.fileName);
    console.error(`${where}: error TS${d.code}: ${message}`);
  }
  const count = origin.size;
  if (diagnostics.length > 0) {
    console.error(`doc snippets: ${diagnostics.length} error(s) in ${count} TypeScript block(s)`);
    process.exitCode = 1;
  } else {
    console.log(`doc snippets: ${count} TypeScript block(s) in ${markdownFiles().length} Markdown file(s) compile`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
