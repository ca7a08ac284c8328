// A chunked 3-D volume job, the kind of work mazepa is for, on the local (in-process) queue.
//
// A synthetic microscopy volume of 512 x 512 x 64 voxels holds a few dozen bright "cells". The
// job runs in three levels:
//   1. `analyzeChunk`, once per 16^3 chunk (4,096 tasks): renders the chunk's voxels into a
//      Float32Array, counts the voxels above a threshold, and downsamples the chunk 2x (mip 1).
//   2. `mergeBlock`, once per 2 x 2 x 2 block of chunks (512 tasks): each waits for the eight
//      chunks beneath it (`yield* task.result()`), stitches their mip-1 pieces into one 16^3
//      array, and reduces it to a max projection along z.
//   3. `summarize`, once: waits for every block and composes the statistics and a picture.
//
// Run it with `npm run demo` (or `npx tsx examples/volume-demo.ts`); `npm run demo -- --dashboard`
// also serves a live page of the run (its URL is printed). Progress bars show on a
// terminal; the picture of the volume and the summary print at the end.
import { execute, flowSchema, taskableOperation, type ExecuteOptions } from 'mazepa';

export interface VolumeSpec {
  readonly size: readonly [number, number, number];
  readonly chunk: number;
  readonly cells: number;
  readonly seed: number;
  readonly threshold: number;
}

export interface Cell {
  readonly x: number;
  readonly y: number;
  readonly z: number;
  readonly radius: number;
  readonly brightness: number;
}

export interface ChunkResult {
  readonly origin: readonly [number, number, number];
  readonly foreground: number;
  readonly sum: number;
  readonly max: number;
  /** The chunk downsampled 2x by averaging, (chunk/2)^3 voxels, x fastest. */
  readonly mip1: Float32Array;
}

export interface BlockResult {
  readonly origin: readonly [number, number, number];
  readonly foreground: number;
  readonly sum: number;
  readonly max: number;
  /** Max projection along z of the block at mip 1: side x side values, x fastest. */
  readonly projection: Float32Array;
  readonly side: number;
}

export interface VolumeSummary {
  readonly voxels: number;
  readonly foreground: number;
  readonly mean: number;
  readonly max: number;
  readonly picture: string;
}

/** A small deterministic PRNG (mulberry32), so every run renders the same volume. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makeCells(spec: VolumeSpec): Cell[] {
  const next = random(spec.seed);
  const [sx, sy, sz] = spec.size;
  return Array.from({ length: spec.cells }, () => ({
    x: next() * sx,
    y: next() * sy,
    z: next() * sz,
    radius: 6 + next() * 18,
    brightness: 0.6 + next() * 0.4,
  }));
}

/** Level 1: one chunk of the volume. Renders it, measures it, and downsamples it 2x. */
export const analyzeChunk = taskableOperation(function analyzeChunk(
  spec: VolumeSpec,
  origin: readonly [number, number, number],
): ChunkResult {
  const n = spec.chunk;
  const [ox, oy, oz] = origin;
  // Only cells close enough to touch this chunk contribute to it.
  const near = makeCells(spec).filter((cell) => {
    const reach = cell.radius * 3.5; // the Gaussian is below 0.3% of its peak beyond this
    return (
      cell.x + reach >= ox &&
      cell.x - reach < ox + n &&
      cell.y + reach >= oy &&
      cell.y - reach < oy + n &&
      cell.z + reach >= oz &&
      cell.z - reach < oz + n
    );
  });
  const voxels = new Float32Array(n * n * n);
  let foreground = 0;
  let sum = 0;
  let max = 0;
  for (let z = 0; z < n; z++) {
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        // A faint texture everywhere, and a Gaussian per nearby cell.
        let value = 0.05 + 0.05 * Math.sin((ox + x) * 0.21) * Math.cos((oy + y) * 0.17);
        for (const cell of near) {
          const dx = ox + x - cell.x;
          const dy = oy + y - cell.y;
          const dz = (oz + z - cell.z) * 2; // the z axis is sampled more coarsely, as in microscopy
          value += cell.brightness * Math.exp(-(dx * dx + dy * dy + dz * dz) / (2 * cell.radius * cell.radius));
        }
        voxels[(z * n + y) * n + x] = value;
        if (value > spec.threshold) foreground++;
        sum += value;
        if (value > max) max = value;
      }
    }
  }
  const h = n / 2;
  const mip1 = new Float32Array(h * h * h);
  for (let z = 0; z < h; z++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < h; x++) {
        let total = 0;
        for (let k = 0; k < 8; k++) {
          total += voxels[((2 * z + (k >> 2)) * n + 2 * y + ((k >> 1) & 1)) * n + 2 * x + (k & 1)]!;
        }
        mip1[(z * h + y) * h + x] = total / 8;
      }
    }
  }
  return { origin, foreground, sum, max, mip1 };
});

/** Level 2: eight chunks (2 x 2 x 2) stitched at mip 1, then projected along z. */
export const mergeBlock = taskableOperation(function mergeBlock(
  spec: VolumeSpec,
  origin: readonly [number, number, number],
  chunks: readonly ChunkResult[],
): BlockResult {
  const h = spec.chunk / 2;
  const side = 2 * h;
  const projection = new Float32Array(side * side);
  let foreground = 0;
  let sum = 0;
  let max = 0;
  for (const chunk of chunks) {
    foreground += chunk.foreground;
    sum += chunk.sum;
    max = Math.max(max, chunk.max);
    const cx = (chunk.origin[0] - origin[0]) / spec.chunk;
    const cy = (chunk.origin[1] - origin[1]) / spec.chunk;
    for (let z = 0; z < h; z++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < h; x++) {
          const at = (cy * h + y) * side + cx * h + x;
          projection[at] = Math.max(projection[at]!, chunk.mip1[(z * h + y) * h + x]!);
        }
      }
    }
  }
  return { origin, foreground, sum, max, projection, side };
});

/** Level 3: the whole volume's statistics, and its max projection drawn in characters. */
export const summarize = taskableOperation(function summarize(
  spec: VolumeSpec,
  blocks: readonly BlockResult[],
  width: number = 64,
): VolumeSummary {
  const [sx, sy, sz] = spec.size;
  // The max projection of the whole volume at mip 1.
  const px = sx / 2;
  const py = sy / 2;
  const image = new Float32Array(px * py);
  let foreground = 0;
  let sum = 0;
  let max = 0;
  for (const block of blocks) {
    foreground += block.foreground;
    sum += block.sum;
    max = Math.max(max, block.max);
    const bx = block.origin[0] / 2;
    const by = block.origin[1] / 2;
    for (let y = 0; y < block.side; y++) {
      for (let x = 0; x < block.side; x++) {
        const at = (by + y) * px + bx + x;
        image[at] = Math.max(image[at]!, block.projection[y * block.side + x]!);
      }
    }
  }
  // Characters are about twice as tall as wide: a cell of the picture covers step x 2*step pixels.
  const shades = ' .:-=+*#%@';
  const step = px / width;
  const rows: string[] = [];
  for (let row = 0; row < py / (2 * step); row++) {
    let line = '';
    for (let col = 0; col < width; col++) {
      let value = 0;
      for (let y = row * 2 * step; y < (row + 1) * 2 * step; y++) {
        for (let x = col * step; x < (col + 1) * step; x++) value = Math.max(value, image[y * px + x]!);
      }
      line += shades[Math.min(shades.length - 1, Math.floor((value / max) * shades.length))];
    }
    rows.push(line);
  }
  const voxels = sx * sy * sz;
  return { voxels, foreground, mean: sum / voxels, max, picture: rows.join('\n') };
});

/** One block: its eight chunks, then the merge that waits for them. Returns the merge's result. */
export const processBlock = flowSchema(function* processBlock(spec: VolumeSpec, origin: [number, number, number]) {
  const chunks = [];
  for (let dz = 0; dz < 2; dz++) {
    for (let dy = 0; dy < 2; dy++) {
      for (let dx = 0; dx < 2; dx++) {
        const at: [number, number, number] = [
          origin[0] + dx * spec.chunk,
          origin[1] + dy * spec.chunk,
          origin[2] + dz * spec.chunk,
        ];
        chunks.push(analyzeChunk.makeTask(spec, at));
      }
    }
  }
  yield chunks; // all eight start at once
  const results: ChunkResult[] = [];
  for (const chunk of chunks) results.push(yield* chunk.result()); // typed: ChunkResult
  return yield* mergeBlock.makeTask(spec, origin, results).result();
});

/** The whole job: every block as a subflow (they run side by side), then the summary. */
export const processVolume = flowSchema(function* processVolume(spec: VolumeSpec) {
  const [sx, sy, sz] = spec.size;
  const span = 2 * spec.chunk;
  const blocks = [];
  for (let z = 0; z < sz; z += span) {
    for (let y = 0; y < sy; y += span) {
      for (let x = 0; x < sx; x += span) blocks.push(processBlock(spec, [x, y, z]));
    }
  }
  yield blocks;
  const results: BlockResult[] = [];
  for (const block of blocks) results.push(yield* block.result()); // typed: BlockResult
  return yield* summarize.makeTask(spec, results, Math.min(64, sx / 2)).result();
});

export const defaultSpec: VolumeSpec = { size: [512, 512, 64], chunk: 16, cells: 48, seed: 7, threshold: 0.5 };

export async function main(spec: VolumeSpec = defaultSpec, options: ExecuteOptions = {}): Promise<VolumeSummary> {
  const flow = processVolume(spec);
  const summary = await execute(flow, { maxInFlight: 2_000, ...options });
  const result = flow.outcome!.returnValue!;
  const seconds = summary.durationMs / 1000;
  const tasks = summary.succeeded + summary.skipped;
  console.log(result.picture);
  console.log();
  console.log(`volume ${spec.size.join(' x ')} voxels in ${spec.chunk}^3 chunks`);
  console.log(
    `foreground (> ${spec.threshold}): ${result.foreground.toLocaleString('en-US')} voxels ` +
      `(${((100 * result.foreground) / result.voxels).toFixed(2)}%), mean ${result.mean.toFixed(4)}, ` +
      `max ${result.max.toFixed(3)}`,
  );
  for (const [name, counts] of Object.entries(summary.operations)) {
    console.log(`  ${name.padEnd(13)} ${String(counts.succeeded).padStart(5)} succeeded, ${counts.failed} failed`);
  }
  console.log(`${tasks.toLocaleString('en-US')} tasks in ${seconds.toFixed(2)} s (execution ${summary.executionId})`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `npm run demo -- --dashboard` (or `--dashboard=8787`) also serves a live page of the run.
  const flag = process.argv.slice(2).find((arg) => arg === '--dashboard' || arg.startsWith('--dashboard='));
  const port = flag?.startsWith('--dashboard=') ? Number(flag.slice('--dashboard='.length)) : undefined;
  await main(defaultSpec, flag === undefined ? {} : { dashboard: port === undefined ? true : { port } });
}
