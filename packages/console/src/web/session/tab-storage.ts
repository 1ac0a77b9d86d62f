import type { ProjectKeys } from '../api/read-api';

// sessionStorage: the keys and the token live as long as this tab, survive a reload, and are
// never shared with another tab or written anywhere that outlives the browser session.
const KEYS = 'groupidentify.console.project-keys';
const TOKEN = 'groupidentify.console.admin-token';

export function loadKeys(): ProjectKeys | undefined {
  const stored = read(KEYS);
  if (stored === undefined) return undefined;
  try {
    const { apiKey, secretKey } = JSON.parse(stored) as Partial<ProjectKeys>;
    return typeof apiKey === 'string' && typeof secretKey === 'string'
      ? { apiKey, secretKey }
      : undefined;
  } catch {
    return undefined;
  }
}

export function saveKeys(keys: ProjectKeys | undefined): void {
  write(KEYS, keys === undefined ? undefined : JSON.stringify(keys));
}

export function loadAdminToken(): string | undefined {
  return read(TOKEN);
}

export function saveAdminToken(token: string | undefined): void {
  write(TOKEN, token);
}

// Storage can be refused (a privacy mode): the console then keeps them in memory only.
function read(key: string): string | undefined {
  try {
    return sessionStorage.getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}

function write(key: string, value: string | undefined): void {
  try {
    if (value === undefined) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    // memory only: see above
  }
}
