import { Router } from 'express';
import type { GroupIdentifyDeps } from '../group-identify-route.js';

/** What the other platforms' ingestion routes need: the same as `/groupidentify`. */
export interface PlatformDeps extends GroupIdentifyDeps {
  /** group_type of a Segment `group` call whose traits carry none. */
  segmentGroupType: string;
}

/** Mixpanel, PostHog and Segment group calls (docs/sdks.md). */
export function platformRoutes(_deps: PlatformDeps): Router {
  return Router();
}
