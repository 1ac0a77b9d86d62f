import { useState } from 'preact/hooks';
import type { Group } from '../api/types';
import { JsonTree } from '../components/json-tree';
import { TimeStamp } from '../components/time-stamp';
import { formatCount } from '../format/numbers';

/** The group now: version, times and its properties as a tree. */
export function PropertyPanel({ group }: { group: Group }) {
  // Remounting the tree with another depth opens or closes every branch at once (-1: the root too).
  const [layout, setLayout] = useState({ openDepth: 1, generation: 0 });
  const relayout = (openDepth: number) =>
    setLayout({ openDepth, generation: layout.generation + 1 });
  const count = Object.keys(group.properties).length;
  return (
    <section class="panel" aria-labelledby="properties-title">
      <h2 id="properties-title">Properties</h2>
      <dl class="facts">
        <div>
          <dt>Version</dt>
          <dd data-testid="group-version">{formatCount(group.version)}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <TimeStamp iso={group.created_at} />
          </dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>
            <TimeStamp iso={group.updated_at} />
          </dd>
        </div>
        <div>
          <dt>Properties</dt>
          <dd>{formatCount(count)}</dd>
        </div>
      </dl>
      <div class="tree-tools">
        <button type="button" onClick={() => relayout(Number.POSITIVE_INFINITY)}>
          Expand all
        </button>
        <button type="button" onClick={() => relayout(-1)}>
          Collapse all
        </button>
      </div>
      <JsonTree
        key={layout.generation}
        value={group.properties}
        openDepth={layout.openDepth}
        label="Current properties"
      />
    </section>
  );
}
