import { CircuitState } from 'cockatiel';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedConfigFromEnv } from '../../services/common/seed/config.js';
import { rpcsSent } from '../support/gateway-metrics.js';
import { errorCodes, graphql } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';
import { accepts, freePort, startTraced, waitUntil, type TracedProcess } from '../telemetry/processes.js';

const SEED_ENV = { SEED_USERS: '200', SEED_POSTS: '1000' };
const SEED = seedConfigFromEnv(SEED_ENV);

const PROFILE = `query($id: ID!) { profile(userId: $id) { user { id } followersCount followingCount recentPosts { id } recommendations { id } } }`;

interface ProfileData {
  profile: { user: { id: string }; followersCount: number; followingCount: number; recentPosts: unknown[]; recommendations: unknown[] };
}

describe('the recommendations service as a real process, killed', () => {
  let stack: TestStack | undefined;
  let recommendations: TracedProcess | undefined;

  before(async () => {
    const port = await freePort();
    // No profile cache, so every answer asks for recommendations and the outage cannot hide.
    stack = await startStack({ seed: SEED, env: { PROFILE_CACHE_TTL_SECONDS: '0' }, external: { recommendations: `127.0.0.1:${port}` } });
    const child = startTraced('services/recommendations/main.ts', 'services/common/instrumentation.ts', {
      ...SEED_ENV,
      LISTEN_ADDR: `127.0.0.1:${port}`,
      RELATIONS_SERVICE_ADDR: stack.servers.relations.address,
      LOG_LEVEL: 'warn',
    });
    recommendations = child;
    await waitUntil('the recommendations service to listen', async () => {
      if (child.child.exitCode !== null) throw new Error(`recommendations exited: ${child.lines.join('\n')}`);
      return accepts(port);
    });
  });

  after(async () => {
    await recommendations?.stop();
    await stack?.stop();
  });

  it('with recommendations killed, profiles answer with user, counts and posts plus an error entry, and once the breaker opens no call reaches for it', async () => {
    const gateway = stack!.gateway;
    const before = await graphql<ProfileData>(stack!.url, PROFILE, { variables: { id: 'usr_3' } });
    assert.equal(before.errors, undefined, JSON.stringify(before.errors));
    assert.ok((before.data?.profile.recommendations.length ?? 0) > 0, 'recommendations answer while the process runs');

    recommendations!.child.kill('SIGKILL');
    await waitUntil('the recommendations process to exit', () => recommendations!.child.exitCode !== null || recommendations!.child.signalCode !== null);

    const { breaker } = gateway.policies.recommendations;
    for (let request = 0; request < 20 && breaker.state !== CircuitState.Open; request++) {
      const response = await graphql<ProfileData>(stack!.url, PROFILE, { variables: { id: 'usr_3' } });
      assert.equal(response.data?.profile.user.id, 'usr_3');
      assert.deepEqual(response.data?.profile.recommendations, []);
      assert.deepEqual(errorCodes(response), ['SERVICE_UNAVAILABLE']);
    }
    assert.equal(breaker.state, CircuitState.Open);

    const sent = await rpcsSent(gateway, 'recommendations');
    for (const id of ['usr_3', 'usr_5', 'usr_7']) {
      const response = await graphql<ProfileData>(stack!.url, PROFILE, { variables: { id } });
      assert.equal(response.data?.profile.user.id, id);
      assert.ok((response.data?.profile.recentPosts.length ?? 0) > 0);
      assert.equal(typeof response.data?.profile.followersCount, 'number');
      assert.equal(typeof response.data?.profile.followingCount, 'number');
      assert.deepEqual(response.data?.profile.recommendations, []);
      assert.deepEqual(errorCodes(response), ['SERVICE_UNAVAILABLE']);
      assert.deepEqual(response.errors?.[0]?.path, ['profile', 'recommendations']);
      assert.equal(response.errors?.[0]?.extensions?.service, 'recommendations');
    }
    assert.equal(await rpcsSent(gateway, 'recommendations'), sent, 'no RPC went to recommendations while its breaker was open');
  });
});
