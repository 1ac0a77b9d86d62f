import { ApiError } from './api-error';
import { apiUrl, requestJson } from './http';
import type { DeadLetter, Page, PartitionsBacklog, ReplayResult } from './types';

const WRONG_TOKEN = 'The server did not accept this token: it is not its ADMIN_TOKEN';
const OFF =
  'This server has no operator endpoints: ingest runs without ADMIN_TOKEN (docs/console.md)';

/** The operator endpoints under `/api/admin` (docs/console.md), with `ADMIN_TOKEN`. */
export class AdminApi {
  private readonly authorization: string;

  constructor(token: string) {
    this.authorization = `Bearer ${token}`;
  }

  partitions(): Promise<PartitionsBacklog> {
    return this.call('GET', 'admin/partitions');
  }

  /** A page of dead letters, oldest failure first; the first without `cursor`. */
  deadLetters(limit: number, cursor: string | undefined): Promise<Page<DeadLetter>> {
    return this.call('GET', 'admin/dead-letters', { limit: String(limit), cursor });
  }

  /** Every letter not replayed yet. */
  replayAll(): Promise<ReplayResult> {
    return this.call('POST', 'admin/dead-letters/replay');
  }

  /** One letter, even one replayed before. */
  replayOne(id: string): Promise<ReplayResult> {
    return this.call('POST', `admin/dead-letters/${encodeURIComponent(id)}/replay`);
  }

  private async call<T>(
    method: string,
    path: string,
    query?: Record<string, string | undefined>,
  ): Promise<T> {
    try {
      return await requestJson<T>(apiUrl(path, query), {
        method,
        authorization: this.authorization,
      });
    } catch (error) {
      throw explain(error, path);
    }
  }
}

/**
 * Without `ADMIN_TOKEN`, ingest has no operator endpoints: `/api/admin/…` answers `404` to anyone
 * (an older ingest let the read API answer, with a Basic `401`). Only the operator endpoints
 * answer with a Bearer challenge.
 */
function explain(error: unknown, path: string): unknown {
  if (!(error instanceof ApiError)) return error;
  if (error.status === 401 && /^Bearer\b/i.test(error.challenge))
    return new ApiError(401, `${WRONG_TOKEN} (401 Unauthorized)`, error.challenge);
  if (error.status === 401 || (error.status === 404 && path === 'admin/partitions'))
    return new ApiError(error.status, OFF, error.challenge);
  return error;
}
