import type { ValidationProblem } from './identification.js';

/**
 * Another analytics platform's calls, read as identification-shaped objects (docs/sdks.md) but
 * not yet validated: `validateIdentificationBatch` validates `identifications` exactly as on
 * `/groupidentify`, so every platform gets the same limits and rules.
 */
export interface PlatformCalls {
  /** `{group_type, group_value, group_properties, insert_id?}` objects, in call order. */
  identifications: Record<string, unknown>[];
  /** For each identification, the index of the call it came from, to name it in errors. */
  callIndexes: number[];
  /** Calls that are not group calls: answered as accepted, applied to nothing. */
  ignored: number;
  /** Calls that cannot be read as a group call at all, in the platform's own field names. */
  problems: ValidationProblem[];
}

/** The one key that a request's calls carry, or why there is none. */
export type TokenReading = { ok: true; token: string } | { ok: false; reason: 'missing' | 'mixed' };

/**
 * The key of a request whose calls each carry one (Mixpanel's `$token`, PostHog's per-event
 * `api_key`): every call must carry the same non-empty string. One request is one project, so a
 * request mixing keys is refused rather than split.
 */
export function oneToken(tokens: readonly unknown[]): TokenReading {
  let token: string | undefined;
  for (const t of tokens) {
    if (typeof t !== 'string' || t === '') return { ok: false, reason: 'missing' };
    if (token !== undefined && t !== token) return { ok: false, reason: 'mixed' };
    token = t;
  }
  return token === undefined ? { ok: false, reason: 'missing' } : { ok: true, token };
}

/**
 * Renames an identification field (`group_properties.$setOnce.plan`) into the platform's terms
 * (`$set_once.plan`) with the first `[prefix, replacement]` rule whose prefix is the whole field
 * or a dotted start of it (an empty replacement drops the prefix from a longer field); a field no
 * rule names is returned as it is.
 */
export function renameField(field: string, rules: readonly (readonly [string, string])[]): string {
  for (const [prefix, replacement] of rules) {
    if (field === prefix) return replacement === '' ? field : replacement;
    if (field.startsWith(`${prefix}.`)) {
      const rest = field.slice(prefix.length + 1);
      return replacement === '' ? rest : `${replacement}.${rest}`;
    }
  }
  return field;
}

/**
 * Problems that `validateIdentificationBatch` found in `calls.identifications`, renamed to the
 * call they came from and to the platform's field names, in call order.
 */
export function problemsOfCalls(
  problems: readonly ValidationProblem[],
  calls: PlatformCalls,
  platformField: (field: string) => string,
): ValidationProblem[] {
  return problems
    .map((p) => ({
      index: calls.callIndexes[p.index] ?? p.index,
      field: platformField(p.field),
      reason: p.reason,
    }))
    .sort((a, b) => a.index - b.index);
}

/**
 * `{time}` for an identification built from a platform call that carries its event time
 * (docs/semantics.md#event-time); nothing when the call has none, so that the receipt time is
 * taken.
 */
export function withTime(time: unknown): { time?: unknown } {
  return time === undefined || time === null ? {} : { time };
}
