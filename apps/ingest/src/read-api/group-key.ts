import type { Request, Response } from 'express';
import type { GroupKey } from '@groupidentify/ops';

/** The group a `/api/groups/{type}/{value}…` request names, in the authenticated project. */
export function groupKeyOf(req: Request, res: Response): GroupKey {
  const { type, value } = req.params as { type: string; value: string };
  return { project: res.locals['project'] as string, group_type: type, group_value: value };
}
