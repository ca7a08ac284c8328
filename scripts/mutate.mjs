#!/usr/bin/env node
// `npm run mutate [-- <id or file part>...] [--list] [--no-baseline] [--timeout=<s>]`: plants
// the bugs listed in scripts/mutants.mjs one at a time, runs the test files named for each, and
// prints which were killed (a test failed) and which survived (every test passed: a hole in the
// tests). The source is restored after each mutant, on Ctrl-C and on failure; a run killed
// outright (SIGKILL) leaves a backup that the next run restores first. Not part of `npm run check`.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTANTS } from './mutants.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BACKUP = join(ROOT, 'node_modules', '.cache', 'mazepa-mutate', 'backup.json');

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const filters = args.filter((a) => !a.startsWith('--'));
const timeoutArg = args.find((a) => a.startsWith('--timeout='));
const TIMEOUT_S = timeoutArg === undefined ? 300 : Number(timeoutArg.slice('--timeout='.length));

/** The file being mutated and its original text, while a mutant is planted. */
let planted;

function restore() {
  if (planted === undefined) return;
  writeFileSync(join(ROOT, planted.file), planted.original);
  rmSync(BACKUP, { force: true });
  planted = undefined;
}

function plant(mutant) {
  const path = join(ROOT, mutant.file);
  const original = readFileSync(path, 'utf8');
  mkdirSync(dirname(BACKUP), { recursive: true });
  writeFileSync(BACKUP, JSON.stringify({ file: mutant.file, original }));
  planted = { file: mutant.file, original };
  writeFileSync(
    path,
    original.replace(mutant.from, () => mutant.to),
  );
}

/** A run killed outright left its mutant in place: put the original back first. */
function recover() {
  if (!existsSync(BACKUP)) return;
  const { file, original } = JSON.parse(readFileSync(BACKUP, 'utf8'));
  writeFileSync(join(ROOT, file), original);
  rmSync(BACKUP, { force: true });
  console.log(`mutate: restored ${file} from an earlier run that was killed`);
}

/** Why a mutant cannot be planted: its text is not in its file exactly once, or a test file is missing. */
function problem(mutant) {
  const path = join(ROOT, mutant.file);
  if (!existsSync(path)) return `${mutant.file} does not exist`;
  const count = readFileSync(path, 'utf8').split(mutant.from).length - 1;
  if (count !== 1) return `its text occurs ${count} times in ${mutant.file} (must be once): update scripts/mutants.mjs`;
  const missing = mutant.tests.find((t) => !existsSync(join(ROOT, t)));
  return missing === undefined ? undefined : `its test file ${missing} does not exist`;
}

let child;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (child !== undefined) child.kill('SIGKILL');
    restore();
    console.log(`\nmutate: stopped by ${signal}; the source is restored`);
    process.exit(130);
  });
}
process.on('exit', restore);

/** Runs vitest on `files`; resolves to 'passed', 'failed' or 'timeout'. */
function runTests(files) {
  return new Promise((resolve) => {
    child = spawn(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--bail=1', ...files], {
      cwd: ROOT,
      stdio: 'ignore',
      detached: true, // its own process group: a timeout ends its workers too
    });
    const limit = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone already
      }
      resolve('timeout');
    }, TIMEOUT_S * 1000);
    child.on('exit', (code) => {
      clearTimeout(limit);
      child = undefined;
      resolve(code === 0 ? 'passed' : 'failed');
    });
  });
}

async function main() {
  recover();
  const chosen = MUTANTS.filter(
    (m) => filters.length === 0 || filters.some((f) => m.id.includes(f) || m.file.includes(f)),
  );
  if (flags.has('--list')) {
    for (const m of chosen) console.log(`${m.id.padEnd(34)} ${m.file}  (${m.why})`);
    return 0;
  }
  const broken = chosen.map((m) => [m, problem(m)]).filter(([, p]) => p !== undefined);
  for (const [m, p] of broken) console.log(`mutate: cannot plant ${m.id}: ${p}`);
  if (broken.length > 0) return 2;
  if (!flags.has('--no-baseline')) {
    const files = [...new Set(chosen.flatMap((m) => m.tests))];
    process.stdout.write(`baseline: ${files.length} test files without mutants ... `);
    const result = await runTests(files);
    console.log(result);
    if (result !== 'passed') {
      console.log('mutate: the tests fail without mutants; fix them first (or see --no-baseline)');
      return 1;
    }
  }
  const results = [];
  for (const [i, mutant] of chosen.entries()) {
    const started = performance.now();
    process.stdout.write(`[${i + 1}/${chosen.length}] ${mutant.id.padEnd(34)} `);
    plant(mutant);
    let result;
    try {
      result = await runTests(mutant.tests);
    } finally {
      restore();
    }
    const verdict = result === 'passed' ? 'SURVIVED' : result === 'timeout' ? 'killed (timeout)' : 'killed';
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    console.log(`${verdict.padEnd(17)} ${seconds.padStart(4)} s  ${result === 'passed' ? mutant.why : ''}`);
    results.push({ mutant, killed: result !== 'passed' });
  }
  const killed = results.filter((r) => r.killed).length;
  const score = results.length === 0 ? 0 : (100 * killed) / results.length;
  console.log(`\nmutation score: ${killed}/${results.length} killed (${score.toFixed(1)}%)`);
  const survivors = results.filter((r) => !r.killed);
  if (survivors.length > 0) {
    console.log('survived (tests that should exist):');
    for (const { mutant } of survivors) console.log(`  ${mutant.id}: ${mutant.why} (${mutant.file})`);
  }
  return 0;
}

process.exitCode = await main();
