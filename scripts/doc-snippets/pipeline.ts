// Stands for the reader's own flow module in the documentation's examples ('./pipeline.js').
import { Dependency, flowSchema, taskableOperation } from 'mazepa';

/** A chunk of a volume. */
export interface Chunk {
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

/** A volume to process, by its path. */
export interface Volume {
  readonly path: string;
  readonly chunks: readonly Chunk[];
}

export const volume: Volume = { path: 'volume.zarr', chunks: [{ x: 0, y: 0, z: 0 }] };

export const downsample = taskableOperation(function downsample(path: string, chunk: Chunk) {
  return { path, chunk, mean: 0.5 };
});

export const segmentVolume = flowSchema(function* segmentVolume(v: Volume) {
  const tasks = v.chunks.map((chunk) => downsample.makeTask(v.path, chunk));
  yield tasks;
  yield new Dependency(tasks);
  return tasks.length;
});

export const pipeline = segmentVolume;
