/** How the judge agreement page writes its figures. */

/** A share as a percentage with one decimal, or — when there is none. */
export function percent(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`;
}

/** Kappa to two decimals with Landis and Koch's reading of it. */
export function kappaText(k: number | null): string {
  if (k === null) return '—';
  const reading = k < 0 ? 'worse than chance' : k <= 0.2 ? 'slight' : k <= 0.4 ? 'fair' : k <= 0.6 ? 'moderate' : k <= 0.8 ? 'substantial' : 'almost perfect';
  return `${k.toFixed(2)} (${reading})`;
}

export function valueText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
