/**
 * Coordinated sampling. Each trace gets one number u(trace_id) in [0, 1) from a stable hash of its
 * id; a scorer at rate r runs on the trace iff u < r. So a 20% scorer sees a subset of what a 40%
 * scorer sees, the same trace gets the same decision in every run, retry and worker, and raising a
 * rate only adds traces.
 */
import { createHash } from 'node:crypto';

const TWO_POW_52 = 2 ** 52;

/** First 52 bits of SHA-256(trace_id), divided by 2^52. */
export function samplingPoint(traceId: string): number {
  const digest = createHash('sha256').update(traceId, 'utf8').digest();
  // 52 bits = the first 6 bytes (48 bits) and the high nibble of the 7th.
  const high = digest.readUIntBE(0, 6);
  const nibble = digest[6]! >>> 4;
  return (high * 16 + nibble) / TWO_POW_52;
}

export function isSampled(traceId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return samplingPoint(traceId) < rate;
}
