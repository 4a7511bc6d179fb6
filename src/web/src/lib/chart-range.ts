/**
 * The x range of a chart over time (seconds): the data's own, widened to at least `minSpan` around
 * its middle so one point (a single run) sits in the middle of a readable range rather than at an
 * edge of a range of years, and padded a little so the first and last points are not on the frame.
 */
export function timeRange(times: readonly number[], minSpan = 3600): [number, number] {
  const finite = times.filter((t) => Number.isFinite(t));
  if (finite.length === 0) {
    const now = Math.floor(Date.now() / 1000);
    return [now - minSpan, now];
  }
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const span = max - min;
  if (span < minSpan) {
    const middle = (min + max) / 2;
    return [middle - minSpan / 2, middle + minSpan / 2];
  }
  const pad = span * 0.04;
  return [min - pad, max + pad];
}
