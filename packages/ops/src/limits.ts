/** Request and value limits of docs/api.md and §3. */
export const LIMITS = {
  /** Identifications per request (over → 413). */
  maxIdentifications: 1024,
  /** Property keys per request, counted across all operations of all identifications (over → 413). */
  maxPropertyKeys: 1024,
  /** Longer strings inside property values are truncated to this many characters. */
  maxStringLength: 1024,
  /** `group_type`, `group_value` and property names: 1..this many characters. */
  maxNameLength: 1024,
  /** `insert_id`: 1..this many characters. */
  maxInsertIdLength: 128,
  /** Object/array nesting inside a property value deeper than this → 400. */
  maxDepth: 40,
  /** Arrays grown by `$append`/`$prepend`/`$preInsert`/`$postInsert` keep at most this many elements. */
  maxArrayLength: 10_000,
  /** Request body size in bytes (over → 413, before parsing). */
  maxBodyBytes: 1024 * 1024,
} as const;
