import { Router } from 'express';
import type { Logger } from 'pino';
import type { GroupIdentifyDeps } from './amplitude/group-identify-route.js';
import { mixpanelRoutes } from './mixpanel/mixpanel-routes.js';
import { postHogRoutes } from './posthog/posthog-routes.js';
import { segmentRoutes } from './segment/segment-routes.js';

/** What the other platforms' ingestion routes need: the same as `/groupidentify`. */
export interface PlatformDeps extends GroupIdentifyDeps {
  /** group_type of a Segment `group` call whose traits carry none. */
  segmentGroupType: string;
  /** Where a 5xx answered in a platform's shape is logged, as the app logs its own. */
  logger: Logger;
}

/**
 * Mixpanel, PostHog and Segment group calls (docs/sdks.md), each in a router of its own that
 * parses its own body and answers every error in its platform's shape. All are strict (a
 * trailing slash counts): PostHog's `/batch/` must not take Amplitude's `/batch` (app.ts).
 */
export function platformRoutes(deps: PlatformDeps): Router {
  const router = Router({ strict: true });
  router.use(mixpanelRoutes(deps), postHogRoutes(deps), segmentRoutes(deps));
  return router;
}
