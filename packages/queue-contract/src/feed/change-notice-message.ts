import { MAX_CURSOR_PARTITIONS } from '@groupidentify/store';
import type { AnnouncedSegment } from './announced-tail.js';

/** What one partition's batch announces (docs/guarantees.md#change-feed). */
export interface Announcement {
  partition: number;
  /** The positions committed, per project. */
  committed: ReadonlyMap<string, number>;
  /** The batch's changes, per project, when the notice carries them. */
  segments: ReadonlyMap<string, AnnouncedSegment>;
}

/**
 * A notice as published: a JSON array of the projects (all that readers from before
 * announcements understand), then `{partition, committed: {project: position}, changes?:
 * {project: {after, to, changes}}}`.
 */
export function encodeNotice(a: Announcement): string {
  const entry = {
    partition: a.partition,
    committed: Object.fromEntries(a.committed),
    ...(a.segments.size === 0 ? {} : { changes: Object.fromEntries(a.segments) }),
  };
  return JSON.stringify([...a.committed.keys(), entry]);
}

/**
 * The projects a notice names and what it announces; what cannot be used is left out (a segment
 * that is not well formed is left out alone: its project's run is then dropped, never wrong).
 */
export function parseNotice(message: string): {
  projects: string[];
  announcements: Announcement[];
} {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return { projects: [], announcements: [] };
  }
  if (!Array.isArray(value)) return { projects: [], announcements: [] };
  const projects = value.filter((v): v is string => typeof v === 'string');
  const announcements = value.flatMap((v) => {
    const a = announcementOf(v);
    return a === undefined ? [] : [a];
  });
  return { projects, announcements };
}

function announcementOf(value: unknown): Announcement | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { partition, committed, changes } = value as Record<string, unknown>;
  if (!isPosition(partition) || partition >= MAX_CURSOR_PARTITIONS) return undefined; // no cursor holds it
  if (typeof committed !== 'object' || committed === null) return undefined;
  const positions = new Map<string, number>();
  for (const [project, position] of Object.entries(committed))
    if (isPosition(position)) positions.set(project, position);
  const segments = new Map<string, AnnouncedSegment>();
  if (typeof changes === 'object' && changes !== null)
    for (const [project, segment] of Object.entries(changes))
      if (positions.has(project) && isSegment(segment)) segments.set(project, segment);
  return { partition, committed: positions, segments };
}

const isPosition = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Positions that rise within `(after, to]`, each with a change of a group type and time. */
function isSegment(value: unknown): value is AnnouncedSegment {
  const { after, to, changes } = (value ?? {}) as Record<string, unknown>;
  if (!isPosition(after) || !isPosition(to) || to <= after || !Array.isArray(changes)) return false;
  let last = after;
  for (const c of changes as unknown[]) {
    const { position, change } = (c ?? {}) as { position?: unknown; change?: unknown };
    if (!isPosition(position) || position <= last || position > to) return false;
    const { group_type, applied_at } = (change ?? {}) as Record<string, unknown>;
    if (typeof group_type !== 'string' || typeof applied_at !== 'string') return false;
    last = position;
  }
  return true;
}
