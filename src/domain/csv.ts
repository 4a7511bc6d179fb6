/**
 * Dataset files as both the CLI and the console read them: JSON parsed with the place named, and CSV
 * records (a header row; `inputs`, `expectations`, `tags` and `source` cells hold JSON objects,
 * `outputs` JSON or text; a column `inputs.question` sets one key).
 */

/** JSON.parse whose error names where the text came from. */
export function parseJsonAt(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${where}: not valid JSON (${(error as Error).message})`);
  }
}

const OBJECT_COLUMNS = new Set(['inputs', 'expectations', 'tags', 'source']);

/** The records of a CSV text, each with its line number (blank rows skipped). */
export function csvRecords(text: string): Array<{ line: number; record: Record<string, unknown> }> {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows
    .map((cells, i) => ({ cells, line: i + 2 }))
    .filter(({ cells }) => cells.some((c) => c !== ''))
    .map(({ cells, line }) => {
      const record: Record<string, unknown> = {};
      header.forEach((column, j) => {
        const cell = cells[j] ?? '';
        if (cell === '') return;
        const where = `row ${line}, column ${column}`;
        const dot = column.indexOf('.');
        if (dot > 0) {
          const target = (record[column.slice(0, dot)] ??= {}) as Record<string, unknown>;
          target[column.slice(dot + 1)] = cell;
        } else if (OBJECT_COLUMNS.has(column)) record[column] = parseJsonAt(cell, where);
        else if (column === 'outputs') record.outputs = /^\s*[[{"]/.test(cell) ? parseJsonAt(cell, where) : cell;
        else record[column] = cell;
      });
      return { line, record };
    });
}

/** RFC 4180: quoted fields may hold commas, newlines and doubled quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
