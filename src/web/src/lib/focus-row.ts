/**
 * Moves keyboard focus to row `index` of a virtualized table. A row already rendered (the next or
 * previous one always is, thanks to overscan) is focused at once, so keys pressed in quick
 * succession each act on the row the previous key moved to; a row the virtualizer has yet to render
 * is focused after the frame that renders it.
 */
export function focusRow(scroller: HTMLElement | null, index: number, scrollToIndex: (index: number) => void): void {
  const find = () => scroller?.querySelector<HTMLElement>(`tr[data-index="${index}"]`);
  scrollToIndex(index);
  const row = find();
  if (row) row.focus();
  else requestAnimationFrame(() => find()?.focus());
}
