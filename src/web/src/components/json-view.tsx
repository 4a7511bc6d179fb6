/** Collapsible JSON, for raw values and anything that is not a chat or a document list. */
import { JsonView as Viewer, collapseAllNested, defaultStyles } from 'react-json-view-lite';
import 'react-json-view-lite/dist/index.css';

export function JsonView({ value, expanded = false }: { value: unknown; expanded?: boolean }) {
  if (value === null || typeof value !== 'object') {
    return <pre className="json-scalar">{typeof value === 'string' ? value : JSON.stringify(value)}</pre>;
  }
  return (
    <div className="json-view">
      <Viewer data={value as object} shouldExpandNode={expanded ? () => true : collapseAllNested} style={{ ...defaultStyles, container: 'json-container' }} />
    </div>
  );
}
