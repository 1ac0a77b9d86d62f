import { apiUrl, basicAuthorization, requestJson, type StatusMeanings } from './http';
import type { Group, GroupSummary, HistoryItem, Page } from './types';

/** A project's keys, as the read API takes them (HTTP Basic `api_key:secret_key`). */
export interface ProjectKeys {
  apiKey: string;
  secretKey: string;
}

const WRONG_KEYS =
  'The server did not accept these keys: check the project’s api_key and secret_key';
const meanings: StatusMeanings = { 401: WRONG_KEYS };

/** What the list of groups is asked for; a `where` filter would be one more field here. */
export interface GroupQuery {
  groupType: string | undefined;
  limit: number;
}

/** The read API (docs/api.md#read-api) for one project. */
export class ReadApi {
  private readonly authorization: string;

  constructor(keys: ProjectKeys) {
    this.authorization = basicAuthorization(keys.apiKey, keys.secretKey);
  }

  listGroups(query: GroupQuery, cursor: string | undefined): Promise<Page<GroupSummary>> {
    return this.get(
      apiUrl('groups', { group_type: query.groupType, limit: String(query.limit), cursor }),
    );
  }

  /** The group now, or with `asOf` the properties in effect at that instant (ISO-8601). */
  group(type: string, value: string, asOf?: string): Promise<Group> {
    return this.get(apiUrl(groupPath(type, value), { as_of: asOf }), {
      404: asOf === undefined ? 'No such group in this project' : 'The group did not exist yet',
      422: 'The history is too large to rewind to that instant',
    });
  }

  history(
    type: string,
    value: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<Page<HistoryItem>> {
    return this.get(apiUrl(`${groupPath(type, value)}/history`, { limit: String(limit), cursor }));
  }

  private get<T>(url: string, more: StatusMeanings = {}): Promise<T> {
    return requestJson<T>(url, { authorization: this.authorization }, { ...meanings, ...more });
  }
}

function groupPath(type: string, value: string): string {
  return `groups/${encodeURIComponent(type)}/${encodeURIComponent(value)}`;
}
