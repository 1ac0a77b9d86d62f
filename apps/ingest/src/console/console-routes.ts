import { Router } from 'express';

/** The web console at `/console` (docs/console.md). */
export function consoleRoutes(): Router {
  return Router();
}
