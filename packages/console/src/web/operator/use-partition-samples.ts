import { useEffect, useState } from 'preact/hooks';
import type { AdminApi } from '../api/admin-api';
import { keepWindow, sampleOf, type Sample } from './rolling-window';

export interface PartitionSamples {
  samples: readonly Sample[];
  error: unknown;
}

/**
 * Polls `/api/admin/partitions` every `intervalMs` while the view is open and keeps the last
 * `windowMs` of answers in the page (the server keeps no history of them; Prometheus does).
 * The next poll is scheduled when the last one ended, so a slow server is never piled on.
 */
export function usePartitionSamples(
  api: AdminApi,
  intervalMs: number,
  windowMs: number,
): PartitionSamples {
  const [state, setState] = useState<PartitionSamples>({ samples: [], error: undefined });
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const sample = sampleOf(Date.now(), await api.partitions());
        if (!stopped)
          setState((s) => ({ samples: keepWindow(s.samples, sample, windowMs), error: undefined }));
      } catch (error) {
        if (!stopped) setState((s) => ({ samples: s.samples, error }));
      }
      if (!stopped) timer = setTimeout(() => void poll(), intervalMs);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, intervalMs, windowMs]);
  return state;
}
