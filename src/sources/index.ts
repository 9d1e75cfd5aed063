import type { Viewer } from '../auth/viewer.js';
import type { ServiceApis } from '../grpc/service-apis.js';
import type { ServiceStreams } from '../grpc/service-streams.js';
import type { CallRecorder } from '../telemetry/calls.js';
import { AuthSource } from './auth.js';
import type { BatchObserver, BatchSettings, ItemBudget } from './batching.js';
import { NotificationsSource } from './notifications.js';
import { PostsSource } from './posts.js';
import { ProfilesSource, type InvalidateProfiles, type ProfileCache } from './profiles/index.js';
import { RecommendationsSource } from './recommendations.js';
import { RelationsSource } from './relations.js';
import { UsersSource } from './users.js';

/**
 * Every service as one request sees it, one data source each (Apollo's
 * DataSource idea, with this gateway's batching), plus the profiles read
 * through them. A source owns its service's loaders, unwraps its replies,
 * primes what a reply brings for other reads, names the GraphQL argument
 * behind a proto field a service refuses, and does its writes, each dropping
 * what it made stale (cached profiles included). Resolvers check arguments,
 * call a source and shape the answer; they never call a service themselves.
 */
export interface Sources {
  readonly users: UsersSource;
  readonly auth: AuthSource;
  readonly posts: PostsSource;
  readonly relations: RelationsSource;
  readonly notifications: NotificationsSource;
  readonly recommendations: RecommendationsSource;
  /** Profiles, read through the shared profile cache and filled through the sources above. */
  readonly profiles: ProfilesSource;
}

/** What the sources of one request are built from. */
export interface SourceDependencies {
  /** The request's service APIs: its identity, deadlines, retries and error mapping applied, its calls recorded. */
  services: ServiceApis;
  /** The streaming methods of the services, with the same identity: what subscriptions read. */
  streams: ServiceStreams;
  /** The verified caller, or null: like state and follow state are the viewer's own. */
  viewer: Viewer | null;
  /** The request's execution budget: batches and pages pay their items from it before they are sent. */
  budget: ItemBudget;
  /** Counts loader batches by size. */
  onBatch?: BatchObserver;
  /** The gateway's profile cache, shared by every request. */
  profileCache: ProfileCache;
  /** Where the request's calls are recorded for `extensions.calls` (profile-cache lookups here; RPCs in the service APIs). */
  calls: CallRecorder;
}

/** Builds the sources of one request, each with fresh loaders, so nothing cached in them outlives the request or crosses viewers. */
export function createSources({ services, streams, viewer, budget, onBatch, profileCache, calls }: SourceDependencies): Sources {
  const batching: BatchSettings = { onBatch, budget };
  // Writes drop profiles through `profiles`, which is built last because it
  // reads through the others; the hook is only called once a write has run.
  const invalidateProfiles: InvalidateProfiles = (userIds) => profiles.invalidate(userIds);
  const users = new UsersSource(services.users, batching, budget, invalidateProfiles);
  const posts = new PostsSource(services.posts, viewer, batching, budget, invalidateProfiles);
  const relations = new RelationsSource(services.relations, viewer, batching, invalidateProfiles);
  const recommendations = new RecommendationsSource(services.recommendations, batching);
  const profiles = new ProfilesSource(profileCache, { users, posts, relations, recommendations }, calls);
  return {
    users,
    auth: new AuthSource(services.auth),
    posts,
    relations,
    notifications: new NotificationsSource(services.notifications, budget, streams.notifications),
    recommendations,
    profiles,
  };
}

export type { PageArgs } from './batching.js';
export type { IdempotencyKey } from './idempotency.js';
