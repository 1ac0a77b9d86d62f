import { MAX_EVENTS, identificationsFromEvents } from '@groupidentify/ops';
import type { Request, Response } from 'express';
import { acceptIdentifications } from '../../accept-identifications.js';
import type { GroupIdentifyDeps } from './group-identify-route.js';
import { HttpError, missingField } from '../../http-error.js';
import { projectOrUnavailable } from '../../project-lookup.js';

/**
 * `POST /2/httpapi` and `POST /batch` (docs/api.md): Amplitude HTTP V2, `$groupidentify` events
 * only, so that the official SDKs' `groupIdentify()` works with `serverUrl` pointed here. Same
 * validation, limits and enqueue as `/groupidentify`; Amplitude's response shapes, which the
 * SDKs read `code` from.
 */
export function httpApiHandler(deps: GroupIdentifyDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const receivedAt = Date.now();
    const body = req.body as Buffer | undefined;
    const payload = parseBody(body);
    const apiKey = payload['api_key'];
    if (typeof apiKey !== 'string' || apiKey === '') throw missingField('api_key');
    const events = payload['events'];
    if (events === undefined || events === null) throw missingField('events');
    const project = await projectOrUnavailable(deps.lookupProject, apiKey);
    if (project === undefined) throw new HttpError(400, `Invalid API key: ${apiKey}`);
    if (!Array.isArray(events)) throw invalidEvents({ events: [0] });
    if (events.length > MAX_EVENTS)
      throw new HttpError(413, 'Payload too large', { reason: `more than ${MAX_EVENTS} events` });
    const reading = identificationsFromEvents(events);
    if (!reading.ok) throw invalidEvents(reading.invalidFields);
    await acceptIdentifications(deps, project, reading.identifications, receivedAt);
    res.json({
      code: 200,
      events_ingested: events.length,
      payload_size_bytes: body?.length ?? 0,
      server_upload_time: receivedAt,
    });
  };
}

function parseBody(body: Buffer | undefined): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body?.toString('utf8') ?? '');
  } catch {
    throw new HttpError(400, 'Invalid JSON request body');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, 'Invalid JSON request body');
  }
  return parsed as Record<string, unknown>;
}

function invalidEvents(fields: Record<string, number[]>): HttpError {
  return new HttpError(400, 'Invalid field values on some events', {
    events_with_invalid_fields: fields,
  });
}
