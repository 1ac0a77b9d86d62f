import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyIdentification } from '../src/apply-identification.js';
import { rewind } from '../src/rewind.js';
import type { JsonObject, JsonValue, Properties } from '../src/json.js';
import { groupProperties, shuffledGroupProperties } from './arbitraries.js';
import { canonicalMap, canonicalObject, modelApply } from './reference-model.js';

describe('the fold agrees with the reference model of docs/semantics.md', () => {
  it('over random operation sequences', () => {
    fc.assert(
      fc.property(fc.array(groupProperties, { minLength: 1, maxLength: 8 }), (sequence) => {
        let properties: Properties = {};
        const model = new Map<string, JsonValue>();
        for (const gp of sequence) {
          properties = applyIdentification(properties, gp).properties;
          modelApply(model, gp);
          expect(canonicalObject(properties)).toBe(canonicalMap(model));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('whatever the key order of group_properties', () => {
    fc.assert(
      fc.property(groupProperties, shuffledGroupProperties, (state, gp) => {
        const start = applyIdentification({}, { $set: state }).properties;
        const reordered: JsonObject = {};
        for (const key of Object.keys(gp).reverse())
          Object.defineProperty(reordered, key, { value: gp[key], enumerable: true });
        expect(canonicalObject(applyIdentification(start, gp).properties)).toBe(
          canonicalObject(applyIdentification(start, reordered).properties),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('records changes that replay to the new state', () => {
    fc.assert(
      fc.property(groupProperties, groupProperties, (first, second) => {
        const start = applyIdentification({}, first).properties;
        const { properties, changes } = applyIdentification(start, second);
        const replayed = new Map(Object.entries(start));
        for (const [name, change] of Object.entries(changes)) {
          if ('to' in change) replayed.set(name, change.to);
          else replayed.delete(name);
        }
        expect(canonicalMap(replayed)).toBe(canonicalObject(properties));
      }),
      { numRuns: 500 },
    );
  });
});

describe('rewind undoes recorded changes', () => {
  it('takes the new state back to the old one exactly', () => {
    fc.assert(
      fc.property(groupProperties, groupProperties, (first, second) => {
        const start = applyIdentification({}, first).properties;
        const { properties, changes } = applyIdentification(start, second);
        expect(canonicalObject(rewind(properties, changes))).toBe(canonicalObject(start));
      }),
      { numRuns: 500 },
    );
  });
});
