import { lookup } from 'node:dns/promises';
import { createRequire } from 'node:module';
import type { IPv6 } from 'ipaddr.js';

// ipaddr.js is CommonJS whose exports Node's ESM loader cannot name one by one.
const ipaddr = createRequire(import.meta.url)('ipaddr.js') as typeof import('ipaddr.js');

/** Why a destination URL is refused, or undefined when it is allowed. */
export type UrlRefusal = string | undefined;

/**
 * Whether `address` (IPv4 or IPv6) is on the public internet: loopback, link-local, private,
 * unique-local, carrier-grade NAT, multicast, unspecified and reserved ranges are not (an IPv6
 * address that maps an IPv4 one is judged as that one).
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as IPv6).isIPv4MappedAddress())
    parsed = (parsed as IPv6).toIPv4Address();
  return parsed.range() === 'unicast';
}

/**
 * The checks a destination URL passes when it is created (and again at each delivery): `http` or
 * `https`, no credentials in it, and, unless `allowPrivate`, every address its host resolves to
 * is public (docs/webhooks.md#which-urls).
 */
export async function refusalOf(url: string, allowPrivate: boolean): Promise<UrlRefusal> {
  const refusal = refusalBeforeDns(url, allowPrivate);
  if (refusal !== undefined || allowPrivate) return refusal;
  const host = hostOf(new URL(url));
  if (ipaddr.isValid(host)) return undefined; // judged above
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    return `host ${host} does not resolve`;
  }
  const inside = addresses.find((a) => !isPublicAddress(a.address));
  return inside === undefined ? undefined : privateRefusal(`${host} (${inside.address})`);
}

/**
 * The checks of {@link refusalOf} that need no DNS: the scheme, credentials, and a host that is an
 * address. Delivery runs these, and the rest on the very address it connects to.
 */
export function refusalBeforeDns(url: string, allowPrivate: boolean): UrlRefusal {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not an absolute URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return 'must be an http or https URL';
  if (parsed.username !== '' || parsed.password !== '')
    return 'must not hold credentials (the signature authenticates deliveries)';
  if (allowPrivate) return undefined;
  const host = hostOf(parsed);
  if (ipaddr.isValid(host) && !isPublicAddress(host)) return privateRefusal(host);
  return undefined;
}

/** The host as DNS and address checks take it (`[::1]` → `::1`). */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** The refusal of a non-public address (`what`: the host, and the address it resolved to). */
export const privateRefusal = (what: string): string =>
  `${what} is a loopback, link-local or private address (DESTINATIONS_ALLOW_PRIVATE=true allows it)`;
