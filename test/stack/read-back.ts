import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { groupId, type JsonObject } from '@groupidentify/ops';
import { pollUntil } from '../helpers/services.js';
import type { Banner } from './stack-process.js';
import { collectionsOf, decodeProperties } from '@groupidentify/store/testing';

/**
 * Runs a printed `curl` (its arguments after `curl`) with the real curl when the machine has
 * one, else sends the same form POST with fetch. Resolves with the response body.
 */
export async function runCurl(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('curl', ['--silent', '--show-error', ...args]);
    return stdout;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
  }
  const data: string[] = [];
  let url = '';
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--data') data.push(args[++i] ?? '');
    else url = args[i] ?? '';
  }
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: data.join('&'),
  });
  return res.text();
}

export interface GroupView {
  properties: JsonObject;
  version: number;
}

export interface ReadBack {
  group: GroupView;
  /** `api` when the read API answered, `mongo` when it is not there and the store was read. */
  via: 'api' | 'mongo';
}

/**
 * Polls until the group has `version` (all its identifications applied), through the read API
 * (docs/api.md) with the project's keys. If the API itself is missing (a route-level 404, not
 * "Group not found"), reads the `groups` collection instead.
 */
export async function waitForGroup(options: {
  baseUrl: string;
  apiKey: string;
  secretKey: string;
  mongoUrl: string;
  project: string;
  groupType: string;
  groupValue: string;
  version: number;
}): Promise<ReadBack> {
  const path = `/api/groups/${encodeURIComponent(options.groupType)}/${encodeURIComponent(options.groupValue)}`;
  const auth = `Basic ${Buffer.from(`${options.apiKey}:${options.secretKey}`).toString('base64')}`;
  const fromApi = async (): Promise<ReadBack | 'no api' | undefined> => {
    const res = await fetch(new URL(path, options.baseUrl), { headers: { authorization: auth } });
    if (res.status === 404) {
      const body = (await res.json()) as { error?: unknown };
      return body.error === 'Group not found' ? undefined : 'no api';
    }
    if (res.status !== 200) throw new Error(`read API answered ${res.status}`);
    const group = (await res.json()) as GroupView;
    return group.version >= options.version ? { group, via: 'api' } : undefined;
  };
  const fromMongo = async (): Promise<ReadBack | undefined> => {
    const client = await MongoClient.connect(options.mongoUrl);
    try {
      const doc = await collectionsOf(client.db()).groups.findOne({
        _id: groupId({
          project: options.project,
          group_type: options.groupType,
          group_value: options.groupValue,
        }),
      });
      if (doc === null || doc.version < options.version) return undefined;
      return {
        group: { properties: decodeProperties(doc.properties), version: doc.version },
        via: 'mongo',
      };
    } finally {
      await client.close();
    }
  };
  return pollUntil(
    async () => {
      const api = await fromApi();
      return api === 'no api' ? fromMongo() : api;
    },
    {
      timeoutMs: 20_000,
      intervalMs: 100,
      description: `${options.groupType}/${options.groupValue} at version ${options.version}`,
    },
  );
}

/** The read of the demo group the stack creates (`org`/`Acme`, one identification). */
export function demoGroupRead(banner: Banner, baseUrl: string, mongoUrl: string) {
  return {
    baseUrl,
    apiKey: banner.apiKey,
    secretKey: banner.secretKey,
    mongoUrl,
    project: banner.projectId,
    groupType: 'org',
    groupValue: 'Acme',
    version: 1,
  };
}
