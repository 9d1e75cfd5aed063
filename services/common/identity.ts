import { Metadata, status, type ServerUnaryCall } from '@grpc/grpc-js';
import { createHash, timingSafeEqual } from 'node:crypto';
import { RpcError } from './errors.js';

/**
 * How the gateway tells a service who the verified viewer of a call is. The
 * identity counts only when the call also carries the shared service secret,
 * which only the gateway and the services know; anyone else who reaches a
 * service's port cannot claim to be a user.
 */
export const IDENTITY_METADATA = {
  /** The shared service secret. */
  secret: 'x-pinstack-service-secret',
  /** The verified viewer's user id. */
  userId: 'x-pinstack-user-id',
  /** The verified viewer's roles, comma-separated. */
  roles: 'x-pinstack-user-roles',
} as const;

/** The caller of an RPC, as the gateway verified it. */
export interface CallerIdentity {
  userId: string;
  roles: readonly string[];
}

/** Settings of the identity the gateway passes to services (`SERVICE_SECRET`). */
export interface ServiceIdentityConfig {
  secret: string;
  /** Whether `secret` is the public development default, which production refuses. */
  usingDevelopmentSecret: boolean;
}

/** Public on purpose, like the development JWT secret: it only protects a laptop. */
export const DEVELOPMENT_SERVICE_SECRET = 'pinstack-development-service-secret';

/** Refused at start: production must not run with the public development service secret. */
export class DevelopmentServiceSecretInProductionError extends Error {
  constructor() {
    super('SERVICE_SECRET must be set in production; refusing to start with the development service secret');
    this.name = 'DevelopmentServiceSecretInProductionError';
  }
}

/** Reads `SERVICE_SECRET` (at least 32 characters); production refuses the development default. */
export function serviceIdentityFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceIdentityConfig {
  const secret = env.SERVICE_SECRET?.trim() || DEVELOPMENT_SERVICE_SECRET;
  const usingDevelopmentSecret = secret === DEVELOPMENT_SERVICE_SECRET;
  if (!usingDevelopmentSecret && secret.length < 32) throw new Error('SERVICE_SECRET must be at least 32 characters');
  if (env.NODE_ENV === 'production' && usingDevelopmentSecret) throw new DevelopmentServiceSecretInProductionError();
  return { secret, usingDevelopmentSecret };
}

/** Metadata for calls made on behalf of `caller` (or of nobody, for an anonymous request). */
export function identityMetadata(secret: string, caller: CallerIdentity | null): Metadata {
  const metadata = new Metadata();
  metadata.set(IDENTITY_METADATA.secret, secret);
  if (caller) {
    metadata.set(IDENTITY_METADATA.userId, caller.userId);
    metadata.set(IDENTITY_METADATA.roles, caller.roles.join(','));
  }
  return metadata;
}

/** What a server learned about a call's caller. */
export type CallerCheck =
  /** The call names a user and carries the right secret. */
  | { kind: 'user'; caller: CallerIdentity }
  /** The call names no user: a call by a service, or by the gateway for an anonymous viewer. */
  | { kind: 'none' }
  /** The call names a user without the right secret: refused. */
  | { kind: 'forged' };

/** Reads and checks the identity metadata of a call against the shared secret. */
export function checkCaller(metadata: Metadata, secret: string): CallerCheck {
  const userId = single(metadata, IDENTITY_METADATA.userId);
  if (userId === undefined) return { kind: 'none' };
  const sent = single(metadata, IDENTITY_METADATA.secret);
  if (sent === undefined || !sameSecret(sent, secret) || userId === '') return { kind: 'forged' };
  const roles = (single(metadata, IDENTITY_METADATA.roles) ?? '').split(',').filter(Boolean);
  return { kind: 'user', caller: { userId, roles } };
}

// The server records what it verified for each call here, so that handlers can
// ask for the caller without seeing the secret or re-checking it.
const verifiedCallers = new WeakMap<object, CallerState>();

interface CallerState {
  caller: CallerIdentity | null;
  /** Whether the server checks identities at all (false for a service started bare, as in unit tests). */
  enforced: boolean;
}

/** Records the outcome of `checkCaller` for `call`; called by the server before the handler runs. */
export function recordCaller(call: ServerUnaryCall<unknown, unknown>, caller: CallerIdentity | null, enforced: boolean): void {
  verifiedCallers.set(call, { caller, enforced });
}

/** The verified caller of `call`, if the gateway named one. */
export function callerOf(call: ServerUnaryCall<unknown, unknown>): CallerIdentity | null {
  return verifiedCallers.get(call)?.caller ?? null;
}

export interface ActorCheck {
  /** The proto field naming the acting user, for messages (`actor_id`). */
  field: string;
  /** Whether an `admin` caller may act for someone else. */
  adminMayActForOthers?: boolean;
}

/**
 * The ownership check a write makes itself, whatever the gateway decided: the
 * user a request says it acts for must be the verified caller. UNAUTHENTICATED
 * when the server checks identities and the call names no user;
 * PERMISSION_DENIED when it names someone else. A server started without
 * identity checks (a single service under test) trusts the request.
 */
export function requireActor(call: ServerUnaryCall<unknown, unknown>, actorId: string, check: ActorCheck): CallerIdentity | null {
  const state = verifiedCallers.get(call);
  if (!state?.enforced) return state?.caller ?? null;
  const { caller } = state;
  if (!caller) throw new RpcError(status.UNAUTHENTICATED, 'this call needs a verified user');
  if (caller.userId === actorId) return caller;
  if (check.adminMayActForOthers && caller.roles.includes('admin')) return caller;
  throw new RpcError(status.PERMISSION_DENIED, `${check.field} is not the verified caller`);
}

function single(metadata: Metadata, key: string): string | undefined {
  const [value] = metadata.get(key);
  return typeof value === 'string' ? value : undefined;
}

/** Constant-time comparison of equal-length digests, so timing says nothing about the secret. */
function sameSecret(sent: string, expected: string): boolean {
  const a = createHash('sha256').update(sent).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
