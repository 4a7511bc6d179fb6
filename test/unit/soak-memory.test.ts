import { describe, expect, it } from 'vitest';
import { memoryFigures, type MemorySample } from '../../faults/memory.ts';

/** One sample every 5 s for `seconds`, from `mb(t)`. */
const samples = (seconds: number, mb: (t: number) => number): MemorySample[] =>
  Array.from({ length: seconds / 5 + 1 }, (_, i) => ({ t: i * 5, mb: mb(i * 5) }));

describe('the soak memory figures', () => {
  it('does not flag growth during warm-up in the first half', () => {
    const figures = memoryFigures(samples(600, (t) => (t < 120 ? 60 + t / 2 : 120 + ((t / 5) % 3))));
    expect(figures).toMatchObject({ start_mb: 60, last_half_max_mb: 122, grows: false });
  });

  it('flags steady growth in the last half beyond the noise', () => {
    const figures = memoryFigures(samples(600, (t) => 120 + t / 10));
    expect(figures?.grows).toBe(true);
    expect(figures?.last_half_growth_mb).toBeCloseTo(30, 0);
  });

  it('keeps growth within max(16 MB, 10 %) as noise', () => {
    expect(memoryFigures(samples(600, (t) => 120 + t / 50))?.grows).toBe(false);
  });

  it('does not flag a dip early in the last half that the peaks do not exceed', () => {
    const figures = memoryFigures(samples(600, (t) => (t >= 300 && t < 360 ? 95 : 130 + ((t / 5) % 3))));
    expect(figures?.last_half_growth_mb).toBeGreaterThan(16);
    expect(figures?.grows).toBe(false);
  });

  it('needs two samples', () => {
    expect(memoryFigures([{ t: 0, mb: 100 }])).toBeUndefined();
  });
});
