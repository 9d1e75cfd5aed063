import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from '../support/skippable.js';
import type { Gateway } from '../../src/gateway.js';
import { sha256 } from '../../src/persisted-queries/trusted-documents.js';
import { getJson, postJson } from '../support/persisted-queries.js';
import { deleteKeys, redisSkipReason, requireRedis, runPrefix, SHARED_REDIS_URL } from '../support/redis.js';
import { startStack, type TestStack } from '../support/stack.js';

const skip = await redisSkipReason();

const LISTED = `query Listed { user(id: "usr_1") { id username } }`;
const UNLISTED = `query Unlisted { user(id: "usr_1") { id } }`;

const persisted = (query: string) => ({ persistedQuery: { version: 1, sha256Hash: sha256(query) } });

describe('persisted queries', { skip }, () => {
  const prefix = runPrefix('apq');
  const directory = mkdtempSync(join(tmpdir(), 'pinstack-trusted-'));
  let stack: TestStack;
  let second: Gateway;
  let trusted: Gateway;

  before(async () => {
    await requireRedis();
    stack = await startStack({ env: { REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: prefix } });
    second = await stack.startGateway();
    const manifest = join(directory, 'trusted-documents.json');
    writeFileSync(
      manifest,
      JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256(LISTED), name: 'Listed', type: 'query', body: LISTED }] }),
    );
    trusted = await stack.startGateway({ PERSISTED_QUERIES: 'trusted', TRUSTED_DOCUMENTS: manifest });
  });
  after(async () => {
    await stack?.stop();
    await deleteKeys(SHARED_REDIS_URL, prefix);
    rmSync(directory, { recursive: true, force: true });
  });

  it('an automatic persisted query registered through one replica runs by hash alone through the other', async () => {
    const query = `query Shared { user(id: "usr_2") { id } }`;
    const unknown = await postJson(second.url, { extensions: persisted(query) });
    assert.deepEqual(unknown.errors?.map((error) => error.extensions?.code), ['PERSISTED_QUERY_NOT_FOUND']);

    const registered = await postJson(stack.url, { query, extensions: persisted(query) });
    assert.deepEqual(registered.data, { user: { id: 'usr_2' } });

    const byHash = await postJson(second.url, { extensions: persisted(query) });
    assert.equal(byHash.errors, undefined, JSON.stringify(byHash.errors));
    assert.deepEqual(byHash.data, { user: { id: 'usr_2' } });
  });

  it('trusted-documents mode runs a listed document by hash or by text, over POST and GET', async () => {
    const byHash = await postJson(trusted.url, { extensions: persisted(LISTED) });
    assert.equal(byHash.errors, undefined, JSON.stringify(byHash.errors));
    assert.equal((byHash.data as { user: { id: string } }).user.id, 'usr_1');
    const byText = await postJson(trusted.url, { query: LISTED });
    assert.deepEqual(byText.data, byHash.data);
    const overGet = await getJson(trusted.url, { extensions: JSON.stringify(persisted(LISTED)) });
    assert.deepEqual(overGet.data, byHash.data);
  });

  it('trusted-documents mode refuses an unlisted document with PERSISTED_QUERY_NOT_IN_LIST, by text, by hash or over GET', async () => {
    for (const response of [
      await postJson(trusted.url, { query: UNLISTED }),
      await postJson(trusted.url, { extensions: persisted(UNLISTED) }),
      await postJson(trusted.url, { query: UNLISTED, extensions: persisted(LISTED) }),
      await getJson(trusted.url, { query: UNLISTED }),
    ]) {
      assert.deepEqual(response.errors?.map((error) => error.extensions?.code), ['PERSISTED_QUERY_NOT_IN_LIST']);
      assert.equal(response.data, undefined);
    }
    // The same document runs on a replica not in trusted mode.
    assert.equal((await postJson(stack.url, { query: UNLISTED })).status, 200);
  });

  it('an unlisted document is a request error: HTTP 200 under application/json (and without Accept), 400 under application/graphql-response+json', async () => {
    for (const [accept, status, contentType] of [
      [undefined, 200, 'application/json'],
      ['application/json', 200, 'application/json'],
      ['application/graphql-response+json', 400, 'application/graphql-response+json'],
    ] as const) {
      const response = await fetch(trusted.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(accept ? { accept } : {}) },
        body: JSON.stringify({ query: UNLISTED }),
      });
      const body = (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
      assert.equal(response.status, status, `Accept: ${accept}`);
      assert.equal(response.headers.get('content-type'), `${contentType}; charset=utf-8`);
      assert.deepEqual(body.errors?.map((error) => error.extensions?.code), ['PERSISTED_QUERY_NOT_IN_LIST']);
      assert.equal('data' in body, false);
    }
  });
});
