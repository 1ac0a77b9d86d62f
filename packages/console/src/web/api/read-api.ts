import { ApiError } from './api-error';
import { DestinationsApi } from './destinations-api';
import {
  apiUrl,
  basicAuthorization,
  failureOf,
  parseJson,
  requestJson,
  type StatusMeanings,
} from './http';
import type { ChangePage, Group, GroupSummary, HistoryItem, Page, ProjectInfo } from './types';

/** A project's keys, as the read API takes them (HTTP Basic `api_key:secret_key`). */
export interface ProjectKeys {
  apiKey: string;
  secretKey: string;
}

const WRONG_KEYS =
  'The server did not accept these keys: check the project’s api_key and secret_key';
const meanings: StatusMeanings = { 401: WRONG_KEYS };

/** Which groups: of one type or all, and those whose properties match a `where` or all. */
export interface GroupFilter {
  groupType: string | undefined;
  /**
   * The `where` as the person wrote it: a JSON object of property names to a value or to
   * operators (docs/api.md). The server parses it; a bad one is its `400 Invalid where`.
   */
  where: string | undefined;
}

/** What the list of groups is asked for. */
export interface GroupQuery extends GroupFilter {
  limit: number;
}

/** The read API (docs/api.md#read-api) for one project. */
export class ReadApi {
  private readonly authorization: string;
  /** The project's webhook destinations, with the same keys. */
  readonly destinations: DestinationsApi;

  constructor(keys: ProjectKeys) {
    this.authorization = basicAuthorization(keys.apiKey, keys.secretKey);
    this.destinations = new DestinationsApi(this.authorization, meanings);
  }

  listGroups(query: GroupQuery, cursor: string | undefined): Promise<Page<GroupSummary>> {
    return this.get(
      apiUrl('groups', {
        group_type: query.groupType,
        where: query.where,
        limit: String(query.limit),
        cursor,
      }),
    );
  }

  /** How many groups match (`GET /api/groups/count`); may take a while on a large project. */
  async countGroups(filter: GroupFilter): Promise<number> {
    const url = apiUrl('groups/count', { group_type: filter.groupType, where: filter.where });
    return (await this.get<{ count: number }>(url)).count;
  }

  /**
   * Queues the group's erasure (`DELETE`, `202 {"status":"accepted"}`): the worker applies it
   * shortly after, and from then on the group is a 404. Resolves once the server accepted it.
   */
  async deleteGroup(type: string, value: string): Promise<void> {
    const answer = await requestJson<{ status?: unknown }>(
      apiUrl(groupPath(type, value)),
      { method: 'DELETE', authorization: this.authorization },
      {
        ...meanings,
        404: 'No such group in this project: it was never written',
        429: 'The service is busy (too many identifications waiting): try again in a moment',
        503: 'The service could not queue the deletion: try again in a moment',
      },
    );
    if (answer.status !== 'accepted')
      throw new ApiError(202, 'The server answered the deletion with something unexpected');
  }

  /** The group now, or with `asOf` the properties in effect at that instant (ISO-8601). */
  group(type: string, value: string, asOf?: string): Promise<Group> {
    return this.get(apiUrl(groupPath(type, value), { as_of: asOf }), {
      404: asOf === undefined ? 'No such group in this project' : 'The group did not exist yet',
      422: 'The history is too large to rewind to that instant',
    });
  }

  /** The signed-in project: its name and how it orders identifications. */
  project(): Promise<ProjectInfo> {
    return this.get(apiUrl('project'));
  }

  history(
    type: string,
    value: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<Page<HistoryItem>> {
    return this.get(apiUrl(`${groupPath(type, value)}/history`, { limit: String(limit), cursor }));
  }

  /**
   * Where "now" is in the change feed (`GET /api/changes?after=now`): a cursor that the stream
   * can resume after, and the changes (if any) applied between finding it and reading the page.
   */
  changesFromNow(groupType: string | undefined, signal: AbortSignal): Promise<ChangePage> {
    return requestJson<ChangePage>(
      apiUrl('changes', { after: 'now', group_type: groupType }),
      { authorization: this.authorization, signal },
      meanings,
    );
  }

  /**
   * Opens `GET /api/changes/stream` right after `cursor` (sent as `Last-Event-ID`) and gives its
   * body once the server answered `200` with an event stream. `fetch`, not `EventSource`, which
   * cannot send the Authorization header; `signal` closes the stream.
   */
  async openChangeStream(
    cursor: string,
    groupType: string | undefined,
    signal: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>> {
    let response: Response;
    try {
      response = await fetch(apiUrl('changes/stream', { group_type: groupType }), {
        headers: {
          authorization: this.authorization,
          accept: 'text/event-stream',
          'last-event-id': cursor,
        },
        credentials: 'omit',
        cache: 'no-store',
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new ApiError(0, 'The server could not be reached. Is ingest running?');
    }
    if (!response.ok) throw failureOf(response, parseJson(await response.text()), meanings);
    const type = response.headers.get('content-type') ?? '';
    if (!type.startsWith('text/event-stream') || response.body === null) {
      await response.body?.cancel();
      throw new ApiError(
        response.status,
        `The server answered with ${type || 'no content type'}, not an event stream`,
      );
    }
    return response.body;
  }

  private get<T>(url: string, more: StatusMeanings = {}): Promise<T> {
    return requestJson<T>(url, { authorization: this.authorization }, { ...meanings, ...more });
  }
}

function groupPath(type: string, value: string): string {
  return `groups/${encodeURIComponent(type)}/${encodeURIComponent(value)}`;
}
