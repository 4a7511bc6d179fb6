/**
 * The typed form of a trace filter (MLflow's `search_traces` language, shared/spec/search-filter.md).
 * A filter is a conjunction: a trace matches when every comparison holds.
 *
 * Aliases and rewrites are already applied: entities are canonical, `timestamp` is `timestamp_ms`,
 * `name` is the tag `mlflow.traceName`, `run_id` the metadata `mlflow.sourceRun`, `text` is
 * `span.content`. Values are exactly what the user wrote between the quotes.
 */

export type FilterEntity = 'attributes' | 'tags' | 'metadata' | 'span' | 'feedback' | 'expectation';

export type Comparator =
  | '='
  | '!='
  | '>'
  | '>='
  | '<'
  | '<='
  | 'LIKE'
  | 'ILIKE'
  | 'RLIKE'
  | 'IN'
  | 'NOT IN'
  | 'IS NULL'
  | 'IS NOT NULL';

/** Trace attributes compared as strings. */
export type StringAttributeKey = 'request_id' | 'status' | 'client_request_id';
/** Trace attributes compared as numbers (milliseconds). */
export type NumericAttributeKey = 'timestamp_ms' | 'execution_time_ms' | 'end_time_ms';
/** Span fields; `attributes` comes with the attribute's name. */
export type SpanKey = 'name' | 'type' | 'status' | 'content' | 'attributes';

export interface StringAttributeComparison {
  entity: 'attributes';
  key: StringAttributeKey;
  comparator: '=' | '!=' | 'IN' | 'NOT IN' | 'LIKE' | 'ILIKE' | 'RLIKE';
  /** A list for IN / NOT IN, a string otherwise. */
  value: string | readonly string[];
}

export interface NumericAttributeComparison {
  entity: 'attributes';
  key: NumericAttributeKey;
  comparator: '=' | '!=' | '>' | '>=' | '<' | '<=';
  /** Finite; may be fractional or beyond the safe integer range (the compiler copes). */
  value: number;
}

/** The entities whose keys are free names: tags, metadata and assessments. */
export type KeyedEntity = 'tags' | 'metadata' | 'feedback' | 'expectation';

/** Tags, metadata and assessments: keyed string values where a key may be absent. */
export interface KeyedComparison {
  entity: 'tags' | 'metadata' | 'feedback' | 'expectation';
  /** The tag or metadata key, or the assessment name. */
  key: string;
  comparator: '=' | '!=' | 'LIKE' | 'ILIKE' | 'RLIKE' | 'IS NULL' | 'IS NOT NULL';
  /** null exactly for IS NULL / IS NOT NULL. */
  value: string | null;
}

/**
 * A keyed value compared with a number (an extension beyond MLflow: `tag.quality_score < 0.7`).
 * Only values that read as a number take part: a tag or metadata value that parses as one, an
 * assessment whose value is a number, a boolean (1 and 0) or a string that parses as a number.
 * Any other value does not match. `=` and `!=` against a number exist for tags and metadata only.
 */
export interface KeyedNumberComparison {
  entity: KeyedEntity;
  key: string;
  comparator: '=' | '!=' | '>' | '>=' | '<' | '<=';
  /** Finite. */
  value: number;
}

export interface SpanComparison {
  entity: 'span';
  key: SpanKey;
  /** The attribute's name when key is `attributes`, else null. */
  attribute: string | null;
  comparator: '=' | '!=' | 'IN' | 'NOT IN' | 'LIKE' | 'ILIKE' | 'RLIKE';
  value: string | readonly string[];
}

export type Comparison =
  | StringAttributeComparison
  | NumericAttributeComparison
  | KeyedComparison
  | KeyedNumberComparison
  | SpanComparison;

/** Every comparison must hold. The empty filter matches every trace. */
export type Filter = readonly Comparison[];

/** Comparators allowed per key family, in the order error messages list them. */
export const FAMILY_COMPARATORS = {
  stringAttribute: ['=', '!=', 'IN', 'NOT IN', 'LIKE', 'ILIKE', 'RLIKE'],
  numericAttribute: ['=', '!=', '>', '>=', '<', '<='],
  keyed: ['=', '!=', '>', '>=', '<', '<=', 'LIKE', 'ILIKE', 'RLIKE', 'IS NULL', 'IS NOT NULL'],
  spanField: ['=', '!=', 'IN', 'NOT IN', 'LIKE', 'ILIKE', 'RLIKE'],
  spanContent: ['LIKE', 'ILIKE'],
  spanAttribute: ['=', 'IN', 'LIKE', 'ILIKE', 'RLIKE'],
} as const satisfies Record<string, readonly Comparator[]>;

export type KeyFamily = keyof typeof FAMILY_COMPARATORS;

/** The comparators that order values: on tags, metadata and assessments they take a number. */
export const ORDERING_COMPARATORS: readonly Comparator[] = ['>', '>=', '<', '<='];

/** Every RLIKE pattern of a filter: the database compiles them, so they are checked before use. */
export function regexPatterns(filter: Filter): string[] {
  return filter.flatMap((c) => (c.comparator === 'RLIKE' && typeof c.value === 'string' ? [c.value] : []));
}

/** Bounds that keep one filter's SQL small enough to plan quickly. */
export const FILTER_LIMITS = {
  /** Characters in a filter string. */
  length: 1_000_000,
  /** Comparisons joined by AND. */
  comparisons: 100,
  /** Values across every IN / NOT IN list. */
  listValues: 10_000,
  /**
   * Characters in one RLIKE pattern. The embedded database's regex engine returns no rows for a
   * pattern of ~15,000 characters and can leave its session broken past that.
   */
  regexLength: 10_000,
} as const;
