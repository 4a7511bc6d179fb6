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
    const ids = Array.from({ length: 1000 }, (_, i) => `tr-${(i * 7919).toString(16)}`);
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 50; trial += 1) {
      const [a, b] = [random(), random()].sort((x, y) => x - y) as [number, number];
      const low = ids.filter((id) => isSampled(id, a));
      const high = new Set(ids.filter((id) => isSampled(id, b)));
      for (const id of low) expect(high.has(id)).toBe(true);
    }
  });

  // u(id) written out (first 13 hex digits of SHA-256(id) / 2^52, computed outside this code base).
  const U: Array<[string, number]> = [
    ['tr-00000000000000000000000000000001', 0xb0e5300d061db / 2 ** 52], // 0.691
    ['tr-00000000000000000000000000000002', 0xf072611770ba0 / 2 ** 52], // 0.939
    ['tr-00000000000000000000000000000003', 0xd9fb20dd20fb7 / 2 ** 52], // 0.851
    ['tr-00000000000000000000000000000004', 0xc57772bc5e10e / 2 ** 52], // 0.771
    ['tr-00000000000000000000000000000005', 0x05b65284587a4 / 2 ** 52], // 0.022
    ['tr-00000000000000000000000000000006', 0x5efc44264c716 / 2 ** 52], // 0.371
    ['tr-00000000000000000000000000000007', 0x2dbd7c4a1e537 / 2 ** 52], // 0.179
    ['tr-00000000000000000000000000000008', 0x5ad51198671ef / 2 ** 52], // 0.355
    ['tr-00000000000000000000000000000009', 0x38823056edd73 / 2 ** 52], // 0.221
    ['tr-0000000000000000000000000000000a', 0x5ac09f7a60286 / 2 ** 52], // 0.354
    ['tr-0000000000000000000000000000000b', 0xbb883944e4cb9 / 2 ** 52], // 0.733
    ['tr-0000000000000000000000000000000c', 0xba10d8cd66204 / 2 ** 52], // 0.727
  ];

  it.each(U)('u(%s) is written down', (id, u) => {
    expect(samplingPoint(id)).toBe(u);
  });

  // The documented rule is u < rate: the traces with the smallest u are taken first.
  it.each([
    [0.02, []],
    [0.2, ['5', '7']],
    [0.25, ['5', '7', '9']],
    [0.355, ['5', '7', '8', '9', 'a']],
    [0.5, ['5', '6', '7', '8', '9', 'a']],
    [0.7, ['1', '5', '6', '7', '8', '9', 'a']],
    [0.75, ['1', '5', '6', '7', '8', '9', 'a', 'b', 'c']],
    [0.95, ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c']],
  ])('at rate %d samples exactly the hand-picked ids %j', (rate, expected) => {
    const sampled = U.filter(([id]) => isSampled(id, rate)).map(([id]) => id.slice(-1));
    expect(sampled).toEqual(expected);
  });

  it('decides on the boundary by u < rate, not u <= rate', () => {
    const [id, u] = U[4]!;
    expect(isSampled(id, u)).toBe(false);
    expect(isSampled(id, u + 2 ** -52)).toBe(true);
  });
});
