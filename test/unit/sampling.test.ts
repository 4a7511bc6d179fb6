/** Coordinated sampling: fixed vectors and the subset property. */
import { describe, expect, it } from 'vitest';
import { isSampled, samplingPoint } from '../../src/domain/sampling.ts';

describe('samplingPoint', () => {
  // u = first 13 hex digits (52 bits) of SHA-256(trace_id) / 2^52, computed independently.
  it.each([
    ['abc', 0xba7816bf8f01c / 2 ** 52],
    ['', 0xe3b0c44298fc1 / 2 ** 52],
    ['tr-4f1c2a9be0d34c7a8e6b5d4c3b2a1f00', 0xdcc4dd9c0a488 / 2 ** 52],
    ['tr-00000000000000000000000000000000', 0xe006797bd125f / 2 ** 52],
  ])('u(%j) is the first 52 bits of its SHA-256', (id, expected) => {
    expect(samplingPoint(id)).toBe(expected);
  });

  it('stays in [0, 1) and is spread evenly', () => {
    const points = Array.from({ length: 20_000 }, (_, i) => samplingPoint(`tr-${i}`));
    expect(Math.min(...points)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...points)).toBeLessThan(1);
    const below = points.filter((u) => u < 0.25).length;
    // 4 standard deviations of a binomial(20,000, 0.25).
    expect(Math.abs(below - 5000)).toBeLessThan(4 * Math.sqrt(20_000 * 0.25 * 0.75));
  });
});

describe('isSampled', () => {
  it('takes every trace at 1 and none at 0', () => {
    expect(isSampled('tr-x', 1)).toBe(true);
    expect(isSampled('tr-x', 0)).toBe(false);
  });

  it('samples at a lower rate a subset of what it samples at a higher rate', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `tr-${(i * 7919).toString(16)}`);
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 200; trial += 1) {
      const [a, b] = [random(), random()].sort((x, y) => x - y) as [number, number];
      const low = ids.filter((id) => isSampled(id, a));
      const high = new Set(ids.filter((id) => isSampled(id, b)));
      for (const id of low) expect(high.has(id)).toBe(true);
    }
  });

  it('gives the same answer every time for the same trace', () => {
    for (let i = 0; i < 100; i += 1) expect(isSampled(`tr-${i}`, 0.3)).toBe(isSampled(`tr-${i}`, 0.3));
  });
});
