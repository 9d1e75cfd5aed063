import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorCodes, graphql } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';

const QUERY = `{ post(id: "pst_1") { title } user(id: "usr_1") { username } }`;

interface Data {
  post: { title: string } | null;
  user: { username: string } | null;
}

describe('a service that restarts', () => {
  let stack: TestStack;

  before(async () => {
    // The breaker stays closed here, so what is shown is the channel reconnecting on its own.
    stack = await startStack({ env: { CIRCUIT_CONSECUTIVE_FAILURES: '1000', PROFILE_CACHE_TTL_SECONDS: '0' } });
  });
  after(() => stack.stop());

  it('posts stopped and started again: only its fields fail during the outage, and answers are complete after, with no gateway restart', async () => {
    const healthy = await graphql<Data>(stack.url, QUERY);
    assert.equal(healthy.errors, undefined, JSON.stringify(healthy.errors));
    assert.ok(healthy.data?.post?.title);

    await stack.stopService('posts');
    for (let request = 0; request < 3; request++) {
      const outage = await graphql<Data>(stack.url, QUERY);
      assert.equal(outage.data?.post, null);
      assert.ok(outage.data?.user?.username, 'the users service still answers');
      assert.deepEqual(errorCodes(outage), ['SERVICE_UNAVAILABLE']);
      assert.equal(outage.errors?.[0]?.extensions?.service, 'posts');
    }

    await stack.restartService('posts');
    // The gateway's own channel reconnects (with backoff); wait for that event, not for a guessed time.
    await new Promise<void>((resolve, reject) =>
      stack.gateway.clients.posts.raw.waitForReady(Date.now() + 30_000, (error) => (error ? reject(error) : resolve())),
    );
    const recovered = await graphql<Data>(stack.url, QUERY);
    assert.equal(recovered.errors, undefined, JSON.stringify(recovered.errors));
    assert.equal(recovered.data?.post?.title, healthy.data?.post?.title);
    assert.equal(stack.servers.posts.callCount('BatchGetPosts'), 1, 'the restarted service answered');
  });
});
