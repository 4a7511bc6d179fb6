/** A span type as a person reads it: `CHAT_MODEL` → "Chat model", `LLM` stays "LLM". */
const NAMES: Record<string, string> = {
  LLM: 'LLM',
  CHAT_MODEL: 'Chat model',
  RETRIEVER: 'Retriever',
  TOOL: 'Tool',
  AGENT: 'Agent',
  CHAIN: 'Chain',
  EMBEDDING: 'Embedding',
  RERANKER: 'Reranker',
  PARSER: 'Parser',
  UNKNOWN: 'Unknown',
};

export function spanTypeLabel(type: string | null | undefined): string {
  if (!type) return 'Unknown';
  const known = NAMES[type];
  if (known) return known;
  // Any other string an application used: words split, first letter capital.
  const words = type.replace(/[_-]+/g, ' ').trim();
  if (!words) return 'Unknown';
  return words === words.toUpperCase() ? words.charAt(0) + words.slice(1).toLowerCase() : words.charAt(0).toUpperCase() + words.slice(1);
}
