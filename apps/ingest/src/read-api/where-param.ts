import { parseWhere, type Where } from '@groupidentify/ops';
import { HttpError } from '../http-error.js';

/**
 * The `where` query parameter, parsed; undefined when absent. A bad one is `400 Invalid where`
 * with `field: "where"` and the reason (e.g. nested deeper than property values may be).
 */
export function readWhere(value: string | undefined): Where | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = parseWhere(value);
  if (!parsed.ok)
    throw new HttpError(400, 'Invalid where', { field: 'where', reason: parsed.reason });
  return parsed.where;
}
