/** Alert statistics against values worked out by hand (and checked with a calculator). */
import { describe, expect, it } from 'vitest';
import { meanInterval, normalQuantile, whollyPast, wilsonInterval, zForConfidence } from '../../src/domain/alert-stats.ts';

describe('alert statistics', () => {
  it('z for the usual levels', () => {
    expect(zForConfidence(0.95)).toBeCloseTo(1.959964, 5);
    expect(zForConfidence(0.9)).toBeCloseTo(1.644854, 5);
    expect(zForConfidence(0.99)).toBeCloseTo(2.575829, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
  });

  it('Wilson bounds for a few n and p', () => {
    // 8 of 10 at 95%: centre (0.8 + 1.9208/10) / 1.38415 = 0.71673, half 1.96·√(0.016 + 0.0096) / 1.38415 = 0.22657.
    const cases: Array<[number, number, number, [number, number]]> = [
      [8, 10, 0.95, [0.4902, 0.9433]],
      [0, 10, 0.95, [0, 0.2775]],
      [45, 50, 0.95, [0.7864, 0.9565]],
      [27, 30, 0.9, [0.7745, 0.9593]],
      [900, 1000, 0.99, [0.8729, 0.9219]],
      [3, 3, 0.95, [0.4385, 1]],
    ];
    for (const [k, n, level, [low, high]] of cases) {
      const interval = wilsonInterval(k / n, n, level);
      expect(interval.low, `${k}/${n} at ${level}`).toBeCloseTo(low, 4);
      expect(interval.high, `${k}/${n} at ${level}`).toBeCloseTo(high, 4);
    }
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
  });

  it('fires only when the whole interval is past the threshold', () => {
    // 3 of 4 passed (75%) is below 90%, but four traces cannot tell: the interval reaches past 0.9.
    expect(whollyPast(wilsonInterval(0.75, 4), '<', 0.9)).toBe(false);
    // 150 of 200 is clear.
    expect(whollyPast(wilsonInterval(0.75, 200), '<', 0.9)).toBe(true);
    expect(whollyPast(wilsonInterval(0.2, 200), '>', 0.1)).toBe(true);
    expect(whollyPast(wilsonInterval(0.12, 200), '>', 0.1)).toBe(false);
    expect(whollyPast(null, '<', 1)).toBe(false);
  });

  it('mean ± z·s/√n', () => {
    // mean 3, s 1, n 25 at 95%: 3 ± 1.96 / 5.
    const interval = meanInterval(3, 1, 25, 0.95)!;
    expect(interval.low).toBeCloseTo(2.608, 3);
    expect(interval.high).toBeCloseTo(3.392, 3);
    expect(meanInterval(3, null, 1)).toBeNull();
  });
});
