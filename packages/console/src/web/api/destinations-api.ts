import { apiUrl, requestJson, type StatusMeanings } from './http';
import type {
  CreatedDestination,
  DestinationDetail,
  DestinationSummary,
  NewDestination,
} from './destination-types';

const NOT_FOUND = 'No such destination in this project: it may have been deleted';

/** The project's webhook destinations (`/api/destinations`, docs/webhooks.md), Basic auth. */
export class DestinationsApi {
  constructor(
    private readonly authorization: string,
    private readonly meanings: StatusMeanings,
  ) {}

  async list(): Promise<DestinationSummary[]> {
    return (await this.call<{ items: DestinationSummary[] }>('GET', 'destinations')).items;
  }

  /** Adds one; the answer holds its secret, which no later answer shows. */
  create(destination: NewDestination): Promise<CreatedDestination> {
    return this.call('POST', 'destinations', destination);
  }

  get(id: string): Promise<DestinationDetail> {
    return this.call('GET', pathOf(id), undefined, { 404: NOT_FOUND });
  }

  /** Pauses deliveries, or resumes them (a failing destination is tried again at once). */
  setStatus(id: string, status: 'active' | 'paused'): Promise<DestinationDetail> {
    return this.call('PATCH', pathOf(id), { status }, { 404: NOT_FOUND });
  }

  /** Deletes it with its delivery state (`204`). */
  async remove(id: string): Promise<void> {
    await this.call<unknown>('DELETE', pathOf(id), undefined, { 404: NOT_FOUND });
  }

  private call<T>(
    method: string,
    path: string,
    json?: unknown,
    more: StatusMeanings = {},
  ): Promise<T> {
    return requestJson<T>(
      apiUrl(path),
      { method, authorization: this.authorization, ...(json === undefined ? {} : { json }) },
      { ...this.meanings, ...more },
    );
  }
}

function pathOf(id: string): string {
  return `destinations/${encodeURIComponent(id)}`;
}
