/** Collapsible JSON, for raw values and anything that is not a chat or a document list. */
import { JsonView as Viewer, collapseAllNested, defaultStyles } from 'react-json-view-lite';
import 'react-json-view-lite/dist/index.css';

/** The library's light colours, but numbers and booleans dark enough to read on white (4.5:1 and more). */
const STYLE = { ...defaultStyles, container: 'json-container', numberValue: 'json-number', booleanValue: 'json-boolean' };

export function JsonView({ value, expanded = false }: { value: unknown; expanded?: boolean }) {
  if (value === null || typeof value !== 'object') {
    return <pre className="json-scalar">{typeof value === 'string' ? value : JSON.stringify(value)}</pre>;
  }
  return (
    <div className="json-view">
      <Viewer data={value as object} shouldExpandNode={expanded ? () => true : collapseAllNested} style={STYLE} />
    </div>
  );
}
