import { Metadata } from '@grpc/grpc-js';
import { createHash, timingSafeEqual } from 'node:crypto';
import { weakSecretProblem } from './secret-strength.js';

/**
 * How a caller proves itself to a service, and how the gateway tells a service
 * who the verified viewer of a call is. Every call to a service that enforces
 * identities must carry the shared service secret (the service credential),
 * which only the gateway and the services know: without it a call is refused
 * before its handler runs, so anyone else who reaches a service's port can
 * neither read (e-mails through BatchGetUsers) nor write (a forged
 * CreateNotification), let alone claim to be a user.
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
  const weak = env.NODE_ENV === 'production' ? weakSecretProblem('SERVICE_SECRET', secret) : undefined;
  if (weak) throw new Error(weak);
  return { secret, usingDevelopmentSecret };
}

/**
 * Metadata for calls made on behalf of `caller` (or of nobody, for an anonymous
 * request or a call between services). It always carries the service secret:
 * services refuse any call without it, whether or not it names a user.
 */
export function identityMetadata(secret: string, caller: CallerIdentity | null): Metadata {
  const metadata = new Metadata();
  metadata.set(IDENTITY_METADATA.secret, secret);
  if (caller) {
    metadata.set(IDENTITY_METADATA.userId, caller.userId);
    metadata.set(IDENTITY_METADATA.roles, caller.roles.join(','));
  }
  return metadata;
}

/** Why `checkCaller` refused a call; logged by the server, never sent to the caller. */
export type CallerRefusal =
  /** No `x-pinstack-service-secret` at all: a client that is not one of ours. */
  | 'no-credential'
  /** A secret that is not the shared one: a guess, or a caller configured with another `SERVICE_SECRET`. */
  | 'wrong-credential'
  /** The right secret with an empty user id: a caller bug, refused rather than read as anonymous. */
  | 'empty-user';

/** What a server learned about a call's caller. */
export type CallerCheck =
  /** The call carries the service credential and names a user. */
  | { kind: 'user'; caller: CallerIdentity }
  /** The call carries the service credential and names no user: a service, or the gateway for an anonymous viewer. */
  | { kind: 'service' }
  /** The caller did not prove itself: refused with UNAUTHENTICATED before the handler runs. */
  | { kind: 'refused'; reason: CallerRefusal };

/**
 * Reads and checks the identity metadata of a call against the shared secret.
 * The credential is checked first and for every call: naming no user is not a
 * way around it (it once was, which let any client on a service port read
 * every e-mail and forge notifications).
 */
export function checkCaller(metadata: Metadata, secret: string): CallerCheck {
  const sent = single(metadata, IDENTITY_METADATA.secret);
  if (sent === undefined) return { kind: 'refused', reason: 'no-credential' };
  if (!sameSecret(sent, secret)) return { kind: 'refused', reason: 'wrong-credential' };
  const userId = single(metadata, IDENTITY_METADATA.userId);
  if (userId === undefined) return { kind: 'service' };
  if (userId === '') return { kind: 'refused', reason: 'empty-user' };
  const roles = (single(metadata, IDENTITY_METADATA.roles) ?? '').split(',').filter(Boolean);
  return { kind: 'user', caller: { userId, roles } };
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
