// Plain decimal notation only: no hex, no `Infinity`, no empty string (Number('') is 0).
const NUMERIC_STRING = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * The number an `$add` operand or an existing property stands for: a finite number, or a
 * string in decimal notation such as `"5"`, `" -2.5 "` or `"1e3"` (docs/semantics.md `$add`).
 * Anything else → `undefined`.
 */
export function toFiniteNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || !NUMERIC_STRING.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
