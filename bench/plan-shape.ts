/**
 * A query plan in one line, for printing beside a timing: the plan's nodes in order, each with the
 * index or table it reads, plus the buffers it touched. Enough to see at a glance whether a page
 * walks an index in order and stops, or gathers every match and sorts.
 */
import { CompiledQuery } from 'kysely';

/** Anything that runs a compiled query (a Kysely instance of any schema). */
interface QueryRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<{ rows: R[] }>;
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Alias?: string;
  'Parent Relationship'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

export interface PlanShape {
  /** e.g. `Limit > Nested Loop Semi Join > Index Scan(trace_experiment_state_time) …` */
  shape: string;
  /** Shared buffers hit plus read by the whole plan (8 kB pages). */
  buffers: number;
  /** Execution time Postgres measured, ms. */
  executionMs: number;
}

/** Runs `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` on a compiled query and condenses the plan. */
export async function planShape(db: QueryRunner, query: CompiledQuery): Promise<PlanShape> {
  const explain = CompiledQuery.raw(`explain (analyze, buffers, format json) ${query.sql}`, [...query.parameters]);
  const { rows } = await db.executeQuery(explain as CompiledQuery<{ 'QUERY PLAN': unknown }>);
  const raw = rows[0]?.['QUERY PLAN'];
  const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode; 'Execution Time': number }>;
  const top = parsed[0]!;
  const nodes: string[] = [];
  walk(top.Plan, nodes);
  return {
    shape: collapse(nodes).join(' > '),
    buffers: (top.Plan['Shared Hit Blocks'] ?? 0) + (top.Plan['Shared Read Blocks'] ?? 0),
    executionMs: Math.round(top['Execution Time'] * 100) / 100,
  };
}

/** Pre-order; the per-row assessments subplan (the page's columns, not its filter) is left out. */
function walk(node: PlanNode, out: string[]): void {
  if (node['Parent Relationship'] === 'SubPlan' && readsAlias(node, 'a')) return;
  // A time partition (`trace_r0_20261205_20261206…`) is named by its table: `trace_*…`.
  const target = (node['Index Name'] ?? node['Relation Name'])?.replace(/_r\d+_\d{8}_\d{8}/, '_*');
  out.push(target ? `${node['Node Type']}(${target})` : node['Node Type']);
  for (const child of node.Plans ?? []) walk(child, out);
}

function readsAlias(node: PlanNode, alias: string): boolean {
  return node.Alias === alias || (node.Plans ?? []).some((child) => readsAlias(child, alias));
}

/** Runs of the same node (one per partition under an Append) as one entry with its count. */
function collapse(nodes: string[]): string[] {
  const out: string[] = [];
  let count = 0;
  nodes.forEach((node, i) => {
    count += 1;
    if (nodes[i + 1] === node) return;
    out.push(count > 1 ? `${node} ×${count}` : node);
    count = 0;
  });
  return out;
}
