/**
 * The statistics behind alert rules. A monitor scores a sample, so a pass rate measured on a few
 * traces says little: a rule compares the threshold with an interval, not with the point value.
 * Pass and error rates get the Wilson score interval (sound for small n and rates near 0 or 1);
 * means get mean ± z·s/√n.
 */

/** Two-sided z for a confidence level, e.g. 0.95 → 1.959964. */
export function zForConfidence(confidence: number): number {
  return normalQuantile(1 - (1 - confidence) / 2);
}

/** Wilson score interval of a proportion p observed on n trials at the given level; [0, 1] when n = 0. */
export function wilsonInterval(p: number, n: number, confidence = 0.95): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const z = zForConfidence(confidence);
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** mean ± z·sd/√n; null below two observations (no spread to speak of). */
export function meanInterval(mean: number, sd: number | null, n: number, confidence = 0.95): { low: number; high: number } | null {
  if (n < 2 || sd === null || !Number.isFinite(sd)) return null;
  const half = (zForConfidence(confidence) * sd) / Math.sqrt(n);
  return { low: mean - half, high: mean + half };
}

/** Whether the whole interval lies past the threshold on the rule's wrong side. */
export function whollyPast(interval: { low: number; high: number } | null, op: '<' | '>', threshold: number): boolean {
  if (!interval) return false;
  return op === '<' ? interval.high < threshold : interval.low > threshold;
}

/**
 * The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9),
 * for p in (0, 1).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
