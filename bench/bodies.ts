/** Form bodies for `/groupidentify`, as Amplitude's docs send them. */

export const FORM = 'application/x-www-form-urlencoded';

interface Identification {
  group_type: string;
  group_value: string;
  group_properties: Record<string, unknown>;
}

/** `api_key=…&identification=<JSON>`; one object for one identification, else an array. */
export function formBody(apiKey: string, ids: readonly Identification[]): Buffer {
  const identification = JSON.stringify(ids.length === 1 ? ids[0] : ids);
  return Buffer.from(
    `api_key=${encodeURIComponent(apiKey)}&identification=${encodeURIComponent(identification)}`,
  );
}

/** A typical small identification of group `value` (a plain `$set` of two properties). */
export function identification(type: string, value: string, n: number): Identification {
  return { group_type: type, group_value: value, group_properties: { plan: 'enterprise', n } };
}

/**
 * `count` bodies of `perRequest` identifications each, item i going to group `g<i mod groups>`
 * of `type`: in order, every group gets `count × perRequest / groups` identifications. Items are
 * numbered from `first` (a later run goes on from where an earlier one stopped, with new values).
 */
export function spreadBodies(
  apiKey: string,
  type: string,
  count: number,
  perRequest: number,
  groups: number,
  first = 0,
): Buffer[] {
  return Array.from({ length: count }, (_, r) =>
    formBody(
      apiKey,
      Array.from({ length: perRequest }, (_, k) => {
        const i = first + r * perRequest + k;
        return identification(type, `g${i % groups}`, i);
      }),
    ),
  );
}
