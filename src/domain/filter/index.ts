/**
 * The trace filter language (MLflow's `search_traces` filters): parse with `parseFilter`, compile
 * to SQL with `traceFilterCondition` in `src/storage/trace-filter-sql.ts`.
 */
export * from './filter.ts';
export { parseFilter } from './parse-filter.ts';
export { parseOrderBy, TIE_BREAKERS, type OrderField, type OrderKey } from './order-by.ts';
