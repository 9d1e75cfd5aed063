import { AuthServiceService } from '../../generated/proto/pinstack/auth/v1/auth.js';
import { NotificationsServiceService } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import { PostsServiceService } from '../../generated/proto/pinstack/posts/v1/posts.js';
import { RecommendationsServiceService } from '../../generated/proto/pinstack/recommendations/v1/recommendations.js';
import { RelationsServiceService } from '../../generated/proto/pinstack/relations/v1/relations.js';
import { UsersServiceService } from '../../generated/proto/pinstack/users/v1/users.js';
import type { ServiceName } from '../../platform/addresses.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import { createUnaryClient, type UnaryClient } from '../../platform/unary-client.js';

/** The service definitions the gateway talks to, by service name. */
export const SERVICE_DEFINITIONS = {
  users: UsersServiceService,
  auth: AuthServiceService,
  posts: PostsServiceService,
  relations: RelationsServiceService,
  notifications: NotificationsServiceService,
  recommendations: RecommendationsServiceService,
} as const;

type Definitions = typeof SERVICE_DEFINITIONS;

/** One long-lived client per upstream service, over one channel or a few (`GRPC_CHANNELS_PER_SERVICE`). */
export type ServiceClients = { readonly [K in ServiceName]: UnaryClient<Definitions[K]> };

/** Opens `channelsPerService` channels to every service (the gateway's config says how many); close them with `closeServiceClients`. */
export function createServiceClients(addresses: Record<ServiceName, string>, metrics: GatewayMetrics, channelsPerService: number): ServiceClients {
  const client = <K extends ServiceName>(name: K) =>
    createUnaryClient(SERVICE_DEFINITIONS[name], addresses[name], { observer: metrics.grpcObserver(name), channels: channelsPerService });
  return {
    users: client('users'),
    auth: client('auth'),
    posts: client('posts'),
    relations: client('relations'),
    notifications: client('notifications'),
    recommendations: client('recommendations'),
  };
}

export function closeServiceClients(clients: ServiceClients): void {
  for (const client of Object.values(clients)) client.close();
}
