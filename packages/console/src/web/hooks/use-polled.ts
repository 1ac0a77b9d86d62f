import { useEffect, useState } from 'preact/hooks';

export interface Polled<T> {
  /** The latest answer for this key; kept while the next one is read, and after a failure. */
  value: T | undefined;
  /** The latest failure; cleared by the next answer. */
  error: unknown;
  /** When `value` was read (ISO-8601). */
  readAt: string | undefined;
  /** Reads again now (and polls on from then). */
  refresh: () => void;
  /**
   * Shows an answer obtained otherwise (what a change returned); a read already under way, which
   * may have started before the change, is dropped, and polling goes on from this answer.
   */
  replace: (value: T) => void;
}

interface Answer<T> {
  key: string;
  value: T | undefined;
  error: unknown;
  readAt: string | undefined;
}

const NOTHING = { value: undefined, error: undefined, readAt: undefined };

/**
 * `load`'s answer, read again every `intervalMs` while the screen is open, and at once on
 * `refresh`. The next read is scheduled when the last one ended, so a slow server is never piled
 * on; another `key` starts afresh, and an answer for an older key is never shown.
 */
export function usePolled<T>(load: () => Promise<T>, key: string, intervalMs: number): Polled<T> {
  const [answer, setAnswer] = useState<Answer<T>>({ key, ...NOTHING });
  const [asked, setAsked] = useState(0);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const value = await load();
        if (!stopped) setAnswer({ key, value, error: undefined, readAt: now() });
      } catch (error) {
        if (!stopped)
          setAnswer((a) => (a.key === key ? { ...a, error } : { key, ...NOTHING, error }));
      }
      if (!stopped) timer = setTimeout(() => void poll(), intervalMs);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [key, asked, intervalMs]);
  const current = answer.key === key ? answer : NOTHING;
  return {
    value: current.value,
    error: current.error,
    readAt: current.readAt,
    refresh: () => setAsked((n) => n + 1),
    replace: (value) => {
      setAnswer({ key, value, error: undefined, readAt: now() });
      setAsked((n) => n + 1);
    },
  };
}

const now = (): string => new Date().toISOString();
