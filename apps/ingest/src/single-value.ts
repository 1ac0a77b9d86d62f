/** A parameter as one string: the first, if it was repeated; undefined if it is not a string. */
export function single(value: unknown): string | undefined {
  if (Array.isArray(value)) return single(value[0]);
  return typeof value === 'string' ? value : undefined;
}
