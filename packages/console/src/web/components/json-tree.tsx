import { useState } from 'preact/hooks';
import type { Json } from '../api/types';
import { formatCount } from '../format/numbers';

interface TreeProps {
  value: Json;
  /** Objects and arrays this deep or shallower start open (0: only the root; -1: none). */
  openDepth?: number;
  label?: string;
}

/**
 * A JSON value as a tree whose objects and arrays open and close with buttons (keyboard: Tab to
 * a button, Enter or Space). Names are shown exactly as stored: they are user data.
 */
export function JsonTree({ value, openDepth = 1, label }: TreeProps) {
  return (
    <div class="json-tree" role="group" aria-label={label}>
      <JsonNode name={undefined} value={value} depth={0} openDepth={openDepth} />
    </div>
  );
}

interface NodeProps {
  name: string | undefined;
  value: Json;
  depth: number;
  openDepth: number;
}

function JsonNode({ name, value, depth, openDepth }: NodeProps) {
  const [open, setOpen] = useState(depth <= openDepth);
  const nameLabel = name === undefined ? null : <span class="json-name">{name}</span>;
  if (value === null || typeof value !== 'object')
    return (
      <div class="json-leaf">
        {nameLabel}
        {nameLabel !== null && <span class="json-colon">: </span>}
        <JsonScalar value={value} />
      </div>
    );
  const entries: [string, Json][] = Array.isArray(value)
    ? value.map((v, i) => [String(i), v])
    : Object.entries(value);
  const [openMark, closeMark] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  const noun = Array.isArray(value) ? 'item' : 'key';
  const size = `${formatCount(entries.length)} ${noun}${entries.length === 1 ? '' : 's'}`;
  if (entries.length === 0)
    return (
      <div class="json-leaf">
        {nameLabel}
        {nameLabel !== null && <span class="json-colon">: </span>}
        <span class="json-empty">{openMark + closeMark}</span>
      </div>
    );
  return (
    <div class="json-branch">
      <button type="button" class="json-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span class="json-caret" aria-hidden="true">
          {open ? '▾' : '▸'}
        </span>
        {nameLabel ?? (
          <span class="json-name json-root">{Array.isArray(value) ? 'array' : 'object'}</span>
        )}{' '}
        <span class="json-size">
          {openMark} {size} {closeMark}
        </span>
      </button>
      {open && (
        <ul class="json-children">
          {entries.map(([key, child]) => (
            <li key={key}>
              <JsonNode name={key} value={child} depth={depth + 1} openDepth={openDepth} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function JsonScalar({ value }: { value: string | number | boolean | null }) {
  const kind = value === null ? 'null' : typeof value;
  return <span class={`json-${kind}`}>{JSON.stringify(value)}</span>;
}
