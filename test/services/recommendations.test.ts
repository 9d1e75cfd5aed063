import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import { RecommendationsServiceService } from '../../generated/proto/pinstack/recommendations/v1/recommendations.js';
import { RelationsServiceService } from '../../generated/proto/pinstack/relations/v1/relations.js';
import { createUnaryClient, type UnaryClient } from '../../services/common/client.js';
import { FIELD_VIOLATION_METADATA_KEY, RpcError } from '../../services/common/errors.js';
import { decodeCursor, encodeCursor } from '../../services/common/pagination.js';
import { DEFAULT_SEED } from '../../services/common/seed/config.js';
import { bindService, startServer, type RunningServer } from '../../services/common/server.js';
import { relationsFollowingSource } from '../../services/recommendations/following-source.js';
import { createRecommendationsService } from '../../services/recommendations/service.js';
import { MemoryRelationsRepository } from '../../services/relations/memory-repository.js';
import { seedFollows } from '../../services/relations/seed.js';
import { createRelationsService } from '../../services/relations/service.js';

/**
 * Who follows whom. alice follows bob, carol and dave; among the accounts they
 * follow, erin is followed by all three, gina by two and frank by one, while
 * alice herself and bob and carol (whom she already follows) must never be
 * suggested to her.
 */
const GRAPH: Record<string, string[]> = {
  alice: ['bob', 'carol', 'dave'],
  bob: ['carol', 'erin', 'frank'],
  carol: ['erin', 'alice', 'gina'],
  dave: ['bob', 'erin', 'gina', 'carol'],
  erin: ['harry'],
  frank: [],
  gina: ['alice'],
  harry: ['erin'],
};

/** The relations peer serves at most this many ids a page, so long lists take several pages. */
const PEER_PAGE_SIZE = 2;

/**
 * A small relations server over `GRAPH`. Only BatchListFollowing is served;
 * recommendations never calls the others.
 */
function relationsPeer() {
  const unimplemented = () => {
    throw new RpcError(status.UNIMPLEMENTED, 'not served by this peer');
  };
  return bindService(RelationsServiceService, {
    follow: unimplemented,
    unfollow: unimplemented,
    batchGetFollowStats: unimplemented,
    batchGetFollowStatus: unimplemented,
    batchListFollowers: unimplemented,
    async batchListFollowing({ requests }) {
      return {
        pages: requests.map(({ userId, pageSize, pageToken }) => {
          const list = GRAPH[userId] ?? [];
          const start = pageToken === '' ? 0 : (decodeCursor(pageToken, 1)![0] as number);
          const size = Math.min(pageSize || 20, PEER_PAGE_SIZE);
          const userIds = list.slice(start, start + size);
          return {
            userIds,
            cursors: userIds.map((_, i) => encodeCursor([start + i + 1])),
            hasNextPage: start + size < list.length,
          };
        }),
      };
    },
  });
}

interface Fixture {
  relations: RunningServer;
  recommendations: RunningServer;
  client: UnaryClient<typeof RecommendationsServiceService>;
  /** Moves the recommendations service's clock on. */
  advance(ms: number): void;
  close(): Promise<void>;
}

async function start(): Promise<Fixture> {
  const relations = await startServer({ name: 'relations', address: '127.0.0.1:0', services: [relationsPeer()] });
  const relationsClient = createUnaryClient(RelationsServiceService, relations.address);
  let time = Date.parse('2026-10-01T00:00:00.000Z');
  const recommendations = await startServer({
    name: 'recommendations',
    address: '127.0.0.1:0',
    services: [
      createRecommendationsService({
        following: relationsFollowingSource(relationsClient.api),
        cacheTtlMs: 30_000,
        now: () => time,
      }),
    ],
  });
  const client = createUnaryClient(RecommendationsServiceService, recommendations.address);
  return {
    relations,
    recommendations,
    client,
    advance(ms) {
      time += ms;
    },
    async close() {
      client.close();
      await recommendations.shutdown();
      relationsClient.close();
      await relations.shutdown();
    },
  };
}

describe('recommendations service', () => {
  let fixture: Fixture;
  before(async () => {
    fixture = await start();
  });
  after(() => fixture.close());

  const recommend = (userIds: string[], limit = 0) => fixture.client.api.batchGetRecommendations({ userIds, limit });

  it('suggests friends of friends, most shared first then by id, never oneself or those already followed', async () => {
    const { recommendations } = await recommend(['alice']);
    assert.deepEqual(recommendations, [{ userId: 'alice', recommendedUserIds: ['erin', 'gina', 'frank'] }]);
  });

  it('stops at the limit', async () => {
    const { recommendations } = await recommend(['alice'], 2);
    assert.deepEqual(recommendations[0]!.recommendedUserIds, ['erin', 'gina']);
  });

  it('answers one entry per requested id, in request order, repeats included', async () => {
    const { recommendations } = await recommend(['frank', 'harry', 'nobody', 'frank', 'bob']);
    assert.deepEqual(recommendations, [
      // frank follows nobody: no suggestions rather than a guess.
      { userId: 'frank', recommendedUserIds: [] },
      { userId: 'harry', recommendedUserIds: [] },
      { userId: 'nobody', recommendedUserIds: [] },
      { userId: 'frank', recommendedUserIds: [] },
      { userId: 'bob', recommendedUserIds: ['alice', 'gina', 'harry'] },
    ]);
  });

  it('rejects a negative limit, naming the field', async () => {
    await assert.rejects(recommend(['alice'], -1), (error: ServiceError) => {
      assert.equal(error.code, status.INVALID_ARGUMENT);
      assert.deepEqual(error.metadata.get(FIELD_VIOLATION_METADATA_KEY), ['limit']);
      return true;
    });
  });
});

describe('recommendations service: load on relations', () => {
  let fixture: Fixture;
  before(async () => {
    fixture = await start();
  });
  after(() => fixture.close());

  const listCalls = () => fixture.relations.callCount('BatchListFollowing');

  it('asks relations again only once its cached lists are older than the TTL', async () => {
    const first = await fixture.client.api.batchGetRecommendations({ userIds: ['alice'], limit: 0 });
    const afterFirst = listCalls();
    assert.ok(afterFirst > 0);

    fixture.advance(29_999);
    const cached = await fixture.client.api.batchGetRecommendations({ userIds: ['alice'], limit: 0 });
    assert.equal(listCalls(), afterFirst, 'a repeat within the TTL costs no relations call');
    assert.deepEqual(cached, first);

    fixture.advance(1);
    const refreshed = await fixture.client.api.batchGetRecommendations({ userIds: ['alice'], limit: 0 });
    assert.ok(listCalls() > afterFirst, 'an expired list is read again');
    assert.deepEqual(refreshed, first);
  });
});

describe('recommendations service: batching', () => {
  it('costs no more relations calls for five users than for one', async () => {
    const single = await start();
    const many = await start();
    try {
      await single.client.api.batchGetRecommendations({ userIds: ['alice'], limit: 0 });
      await many.client.api.batchGetRecommendations({ userIds: ['alice', 'bob', 'carol', 'dave', 'gina'], limit: 0 });
      // Two levels of the graph, each with a second page for lists longer than the peer's page.
      assert.equal(single.relations.callCount('BatchListFollowing'), 4);
      assert.ok(many.relations.callCount('BatchListFollowing') <= 4);
    } finally {
      await single.close();
      await many.close();
    }
  });

  it('reads a long following list to the end, so no followed account is suggested', async () => {
    const fixture = await start();
    try {
      // dave's four follows span two relations pages. bob, on the first, follows carol,
      // who is on the second: reading only the first page would suggest carol.
      const { recommendations } = await fixture.client.api.batchGetRecommendations({ userIds: ['dave'], limit: 0 });
      assert.deepEqual(recommendations[0]!.recommendedUserIds, ['alice', 'frank', 'harry']);
    } finally {
      await fixture.close();
    }
  });

  it('answers UNAVAILABLE when relations cannot be reached', async () => {
    const fixture = await start();
    await fixture.relations.shutdown();
    try {
      await assert.rejects(
        fixture.client.api.batchGetRecommendations({ userIds: ['alice'], limit: 0 }),
        (error: ServiceError) => error.code === status.UNAVAILABLE,
      );
    } finally {
      await fixture.close();
    }
  });
});

describe('recommendations service over the relations service', () => {
  const config = { ...DEFAULT_SEED, users: 300, followsPerUser: 30 };
  const follows = seedFollows(config);
  let relations: RunningServer;
  let relationsClient: UnaryClient<typeof RelationsServiceService>;
  let recommendations: RunningServer;
  let client: UnaryClient<typeof RecommendationsServiceService>;
  before(async () => {
    relations = await startServer({
      name: 'relations',
      address: '127.0.0.1:0',
      services: [createRelationsService({ repository: new MemoryRelationsRepository(follows) })],
    });
    relationsClient = createUnaryClient(RelationsServiceService, relations.address);
    recommendations = await startServer({
      name: 'recommendations',
      address: '127.0.0.1:0',
      services: [createRecommendationsService({ following: relationsFollowingSource(relationsClient.api) })],
    });
    client = createUnaryClient(RecommendationsServiceService, recommendations.address);
  });
  after(async () => {
    client.close();
    await recommendations.shutdown();
    relationsClient.close();
    await relations.shutdown();
  });

  /** The expected suggestions, counted the slow and obvious way from the seeded follows. */
  function expected(userId: string, limit: number): string[] {
    const followingOf = (id: string) => new Set(follows.filter((follow) => follow.followerId === id).map((follow) => follow.followeeId));
    const followed = followingOf(userId);
    const shared = new Map<string, number>();
    for (const followee of followed) {
      for (const candidate of followingOf(followee)) {
        if (candidate !== userId && !followed.has(candidate)) shared.set(candidate, (shared.get(candidate) ?? 0) + 1);
      }
    }
    return [...shared]
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
      .slice(0, limit)
      .map(([id]) => id);
  }

  it('suggests the same accounts as counting the follow graph by hand, for a batch wider than one relations call', async () => {
    const userIds = Array.from({ length: 10 }, (_, i) => `usr_${i + 1}`);
    const { recommendations: entries } = await client.api.batchGetRecommendations({ userIds, limit: 20 });
    assert.deepEqual(entries.map((entry) => entry.userId), userIds);
    for (const entry of entries) assert.deepEqual(entry.recommendedUserIds, expected(entry.userId, 20), entry.userId);
    // Over a hundred followees take more than one call at the second level.
    assert.ok(relations.callCount('BatchListFollowing') >= 3);
  });
});
