import { partitionOf } from '@groupidentify/queue-contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';

let ingest: TestIngest;
beforeAll(async () => {
  ingest = await startTestIngest();
});
afterAll(async () => {
  await ingest.close();
});

describe("the seed's own curl", () => {
  it('answers success and the item is in the right partition queue', async () => {
    const identification = [
      {
        group_type: 'account_name',
        group_value: 'Amplitunes',
        group_properties: { company_size: '500-1000' },
      },
    ];
    const res = await fetch(`${ingest.url}/groupidentify`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        api_key: ingest.apiKey,
        identification: JSON.stringify(identification),
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('success');
    const partition = partitionOf(
      { project: ingest.projectId, group_type: 'account_name', group_value: 'Amplitunes' },
      ingest.config.PARTITIONS,
    );
    const items = await ingest.items(partition);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      project: ingest.projectId,
      group_type: 'account_name',
      group_value: 'Amplitunes',
      group_properties: { company_size: '500-1000' },
    });
  });
});
