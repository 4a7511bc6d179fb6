/** Prints rows as a table for humans. */
import Table from 'cli-table3';

export function printTable(head: string[], rows: Array<Array<string | number | null | undefined>>): void {
  const table = new Table({ head });
  for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))));
  console.log(table.toString());
}
