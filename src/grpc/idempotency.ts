import { AuthServiceDefinition } from '../../generated/proto/pinstack/auth/v1/auth.js';
import { NotificationsServiceDefinition } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import { PostsServiceDefinition } from '../../generated/proto/pinstack/posts/v1/posts.js';
import { RecommendationsServiceDefinition } from '../../generated/proto/pinstack/recommendations/v1/recommendations.js';
import { RelationsServiceDefinition } from '../../generated/proto/pinstack/relations/v1/relations.js';
import { UsersServiceDefinition } from '../../generated/proto/pinstack/users/v1/users.js';
import type { ServiceName } from '../../platform/addresses.js';

/**
 * What a method declares with the protobuf standard option
 * `option idempotency_level = ...;` (google/protobuf/descriptor.proto,
 * `MethodOptions.IdempotencyLevel`):
 * - `NO_SIDE_EFFECTS`: a pure read; sending it twice changes nothing.
 * - `IDEMPOTENT`: a repeat leaves the state as one call did, but the call
 *   still has effects (a follow, a like) and a repeat may answer differently.
 * - `IDEMPOTENCY_UNKNOWN`: the option is absent, the default; assume anything.
 */
export type IdempotencyLevel = 'IDEMPOTENCY_UNKNOWN' | 'NO_SIDE_EFFECTS' | 'IDEMPOTENT';

/**
 * The contract of every service the gateway calls, by service name: the
 * ts-proto generic definitions (`outputServices=generic-definitions` in
 * buf.gen.yaml), which carry each method's options. The clients are built from
 * the grpc-js definitions (`SERVICE_DEFINITIONS`), which carry none; both are
 * keyed by the same method names (`batchGetUsers`), as both come from one
 * codegen run over the same protos.
 */
export const SERVICE_CONTRACTS = {
  users: UsersServiceDefinition,
  auth: AuthServiceDefinition,
  posts: PostsServiceDefinition,
  relations: RelationsServiceDefinition,
  notifications: NotificationsServiceDefinition,
  recommendations: RecommendationsServiceDefinition,
} as const satisfies { readonly [K in ServiceName]: ServiceContract };

/** The part of a ts-proto generic definition read here. */
export interface ServiceContract {
  /** The proto's full service name, `pinstack.users.v1.UsersService`. */
  readonly fullName: string;
  readonly methods: { readonly [method: string]: MethodContract };
}

/** One method of a `ServiceContract`. */
export interface MethodContract {
  /** The method's name in the proto, `BatchGetUsers`. */
  readonly name: string;
  /** ts-proto writes `idempotencyLevel` only when the proto sets it. */
  readonly options: { readonly idempotencyLevel?: Exclude<IdempotencyLevel, 'IDEMPOTENCY_UNKNOWN'> };
}

/**
 * The idempotency level `method` (keyed as in the definitions, `batchGetUsers`)
 * of `service` declares in its proto. A method the contract does not know is
 * IDEMPOTENCY_UNKNOWN, so a name that drifted from the protos is never retried.
 */
export function idempotencyLevel(service: ServiceName, method: string): IdempotencyLevel {
  const methods: ServiceContract['methods'] = SERVICE_CONTRACTS[service].methods;
  if (!Object.hasOwn(methods, method)) return 'IDEMPOTENCY_UNKNOWN';
  return methods[method]!.options.idempotencyLevel ?? 'IDEMPOTENCY_UNKNOWN';
}

/**
 * Whether the gateway may send a call to `method` again after a transient
 * failure: only when its proto declares it `NO_SIDE_EFFECTS`.
 *
 * IDEMPOTENT is not enough. A failure such as UNAVAILABLE does not prove the
 * first attempt was not applied (the connection may drop after the service
 * acted), and a repeat of an applied write answers differently (a Follow says
 * `created: false`, a MarkRead counts 0): the client would be told something
 * other than what happened. Writes fail fast and the client decides.
 */
export function mayRetry(service: ServiceName, method: string): boolean {
  return idempotencyLevel(service, method) === 'NO_SIDE_EFFECTS';
}
