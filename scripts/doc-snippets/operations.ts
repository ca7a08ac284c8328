// Stands for the reader's own operations module in the documentation's examples ('./operations.js').
import { taskableOperation } from 'mazepa';

export const blur = taskableOperation(function blur(chunk: number) {
  return chunk;
});
