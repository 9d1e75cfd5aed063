/**
 * What the baseline targets of the bench (bench/baselines/bare.ts and
 * floor.ts) share: the one query they answer, the token check, and the
 * clients of the three services the feed reads from. Each piece does what the
 * gateway does for that query and nothing more, so that the gateway's figures
 * can be read against theirs.
 */
import type { Metadata } from '@grpc/grpc-js';
import { jwtVerify } from 'jose';
import { PostsServiceService } from '../../generated/proto/pinstack/posts/v1/posts.js';
import { RelationsServiceService } from '../../generated/proto/pinstack/relations/v1/relations.js';
import { UsersServiceService } from '../../generated/proto/pinstack/users/v1/users.js';
import { serviceAddress } from '../../platform/addresses.js';
import { identityMetadata, serviceIdentityFromEnv } from '../../platform/identity.js';
import { MAX_FEED_AUTHORS, MAX_FOLLOWING_PAGE_SIZE } from '../../platform/rules/index.js';
import { ACCOUNT_CREATED_AT_CLAIM, tokenConfigFromEnv } from '../../platform/token-config.js';
import { createUnaryClient, type UnaryClient } from '../../platform/unary-client.js';

/**
 * The request every target of the baseline group answers: the bench's
 * `feed-50` scenario. The floor target answers this text and no other.
 */
export const FEED_QUERY =
  'query { feed(first: 50) { edges { node { id title likesCount author { id username followersCount } } } } }';

/** `first` of `FEED_QUERY`. */
export const FEED_PAGE_SIZE = 50;

/** What `FEED_QUERY` answers, field for field in the order it asks for them. */
export interface FeedData {
  feed: {
    edges: {
      node: {
        id: string;
        title: string;
        likesCount: number;
        author: { id: string; username: string; followersCount: number };
      } | null;
    }[];
  };
}

export interface BaselineServerOptions {
  /** Where the services are and what tokens to accept: the gateway's variables (default: this process's). */
  env?: NodeJS.ProcessEnv;
  host?: string;
  /** 0 (the default) for a free port. */
  port?: number;
}

/** A baseline target, listening. */
export interface BaselineServer {
  /** `http://host:port`; GraphQL is answered at `/graphql`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Where a baseline finds the services and what it checks tokens against: the gateway's own settings. */
export interface BaselineSettings {
  /** Each service's `host:port`, from the same variables as the gateway's. */
  addresses: { users: string; posts: string; relations: string };
  /** `JWT_SECRET`, `JWT_ISSUER`, `JWT_AUDIENCE` as the gateway reads them. */
  tokens: { key: Uint8Array; issuer: string; audience: string };
  /** `SERVICE_SECRET`: the services refuse calls without it. */
  serviceSecret: string;
}

/**
 * Reads the settings the gateway would read from `env`. A baseline checks
 * HS256 tokens only: a deployment verifying through a JWKS is refused here
 * rather than compared on unequal terms.
 */
export function baselineSettings(env: NodeJS.ProcessEnv = process.env): BaselineSettings {
  const tokens = tokenConfigFromEnv(env);
  if (tokens.algorithm !== 'HS256' || env.JWKS_URL?.trim()) {
    throw new Error('The baselines verify HS256 tokens with JWT_SECRET only; unset JWT_ALG and JWKS_URL.');
  }
  return {
    addresses: { users: serviceAddress('users', env), posts: serviceAddress('posts', env), relations: serviceAddress('relations', env) },
    tokens: { key: new TextEncoder().encode(tokens.secret), issuer: tokens.issuer, audience: tokens.audience },
    serviceSecret: serviceIdentityFromEnv(env).secret,
  };
}

/** The signed-in caller of a request. */
export interface BaselineViewer {
  id: string;
  roles: string[];
}

/** A missing or bad access token: the feed needs a signed-in viewer. */
export class NotSignedInError extends Error {
  constructor(message = 'The feed needs a valid access token.') {
    super(message);
    this.name = 'NotSignedInError';
  }
}

/** Seconds of clock skew tolerated, as the gateway's `CLOCK_TOLERANCE_SECONDS`. */
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * The viewer named by an `Authorization: Bearer …` header, checked as the
 * gateway checks it (src/auth/verify-token.ts): HS256 only, issuer,
 * audience, the claims it requires, `exp` with the same tolerance. Throws
 * `NotSignedInError` without a token or with one that does not verify.
 */
export async function verifyViewer(header: string | undefined, tokens: BaselineSettings['tokens']): Promise<BaselineViewer> {
  const match = header === undefined ? null : /^Bearer\s+([A-Za-z0-9_\-.]+)$/i.exec(header.trim());
  if (!match?.[1]) throw new NotSignedInError();
  let payload;
  try {
    ({ payload } = await jwtVerify(match[1], tokens.key, {
      algorithms: ['HS256'],
      issuer: tokens.issuer,
      audience: tokens.audience,
      requiredClaims: ['sub', 'exp', 'iat', ACCOUNT_CREATED_AT_CLAIM],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }));
  } catch {
    throw new NotSignedInError('The access token is invalid.');
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new NotSignedInError('The access token names no user.');
  const roles = Array.isArray(payload.roles) ? payload.roles.filter((role): role is string => typeof role === 'string') : [];
  return { id: payload.sub, roles };
}

/** Identity metadata for the calls made for `viewer`, as the gateway sends it. */
export function viewerMetadata(secret: string, viewer: BaselineViewer): Metadata {
  return identityMetadata(secret, { userId: viewer.id, roles: viewer.roles });
}

/** One channel per service the feed reads from, created once, as the gateway does. */
export interface FeedClients {
  users: UnaryClient<typeof UsersServiceService>;
  posts: UnaryClient<typeof PostsServiceService>;
  relations: UnaryClient<typeof RelationsServiceService>;
  close(): void;
}

export function createFeedClients(addresses: BaselineSettings['addresses']): FeedClients {
  const users = createUnaryClient(UsersServiceService, addresses.users);
  const posts = createUnaryClient(PostsServiceService, addresses.posts);
  const relations = createUnaryClient(RelationsServiceService, addresses.relations);
  return {
    users,
    posts,
    relations,
    close() {
      users.close();
      posts.close();
      relations.close();
    },
  };
}

/**
 * The accounts `userId` follows, as the gateway reads them for a feed
 * (`RelationsSource.followedIds`): pages of `MAX_FOLLOWING_PAGE_SIZE` over
 * `BatchListFollowing`, at most `MAX_FEED_AUTHORS`. One RPC for any account
 * following fewer than a thousand others.
 */
export async function followedIds(relations: FeedClients['relations'], userId: string, metadata: Metadata): Promise<string[]> {
  const ids: string[] = [];
  let pageToken = '';
  for (;;) {
    const { pages } = await relations.api.batchListFollowing(
      { requests: [{ userId, pageSize: MAX_FOLLOWING_PAGE_SIZE, pageToken }] },
      { metadata },
    );
    const page = pages[0];
    if (!page) throw new Error('BatchListFollowing answered no page');
    ids.push(...page.userIds);
    const next = page.cursors.at(-1);
    if (!page.hasNextPage || !next || ids.length >= MAX_FEED_AUTHORS) return ids.slice(0, MAX_FEED_AUTHORS);
    pageToken = next;
  }
}
