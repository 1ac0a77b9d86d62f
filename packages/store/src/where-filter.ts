import type { JsonValue, Where, WhereCondition } from '@groupidentify/ops';
import { encodeArrayElement, encodeName, encodeValue } from './stored-form.js';

type Clause = Record<string, Record<string, unknown>>;

/**
 * A parsed `where` as a MongoDB filter on the stored properties: each property name goes through
 * the store's name encoding into one path under `properties` (never a path or an operator of
 * the user's), and each value into its stored form. An array value is looked for both as the
 * whole property and as an element of it: an array inside an array is stored wrapped. Several
 * operators on one property are all required (`$and`).
 */
export function whereFilter(where: Where): Record<string, unknown> {
  const clauses = where.map(clauseOf);
  const paths = clauses.map((c) => Object.keys(c)[0]);
  if (new Set(paths).size === paths.length) return Object.assign({}, ...clauses) as Clause;
  return { $and: clauses };
}

function clauseOf(c: WhereCondition): Clause {
  const path = `properties.${encodeName(c.property)}`;
  switch (c.op) {
    case '$eq':
      return { [path]: { $in: forms(c.value) } };
    case '$ne':
      return { [path]: { $nin: forms(c.value) } };
    case '$in':
    case '$nin':
      return { [path]: { [c.op]: (c.value as JsonValue[]).flatMap(forms) } };
    default:
      return { [path]: { [c.op]: c.value } };
  }
}

/** The stored forms a value may take: as a property, and (an array) as an array's element. */
function forms(value: JsonValue): JsonValue[] {
  return Array.isArray(value)
    ? [encodeValue(value), encodeArrayElement(value)]
    : [encodeValue(value)];
}
