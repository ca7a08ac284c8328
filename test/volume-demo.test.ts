import { describe, expect, it, vi } from 'vitest';
import { analyzeChunk, main, type VolumeSpec } from '../examples/volume-demo.js';

const spec: VolumeSpec = { size: [64, 64, 32], chunk: 8, cells: 6, seed: 3, threshold: 0.5 };

describe('the volume demo', () => {
  it('should give the same statistics as calling every chunk directly, and print a picture', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const result = await main(spec, { showProgress: false });
      let foreground = 0;
      let sum = 0;
      let max = 0;
      for (let z = 0; z < 32; z += 8) {
        for (let y = 0; y < 64; y += 8) {
          for (let x = 0; x < 64; x += 8) {
            const chunk = analyzeChunk(spec, [x, y, z]); // the operation still works as a plain call
            foreground += chunk.foreground;
            sum += chunk.sum;
            max = Math.max(max, chunk.max);
          }
        }
      }
      expect(foreground).toBeGreaterThan(0);
      expect(result.foreground).toBe(foreground);
      expect(result.max).toBe(max);
      expect(result.mean).toBeCloseTo(sum / (64 * 64 * 32), 10);
      expect(result.picture.split('\n')).toHaveLength(16); // 32 x 32 pixels at mip 1, drawn as 32 x 16 characters
      expect(result.picture).toMatch(/[*#%@]/); // the brightest cell shows
      const printed = log.mock.calls.map((call) => String(call[0])).join('\n');
      expect(printed).toContain('analyzeChunk    256 succeeded, 0 failed');
      expect(printed).toContain('mergeBlock       32 succeeded, 0 failed');
      expect(printed).toContain('289 tasks in');
    } finally {
      log.mockRestore();
    }
  });
});
