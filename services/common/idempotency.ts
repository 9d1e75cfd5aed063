import { invalidArgument } from './errors.js';

/** Longest idempotency key a client may choose. */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/** How long an idempotency key answers with its first result, unless configured: a day, as clients retry within minutes. */
export const DEFAULT_IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/** The request's idempotency key, or undefined without one; INVALID_ARGUMENT when too long. */
export function validateIdempotencyKey(key: string): string | undefined {
  if (key === '') return undefined;
  if (key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    throw invalidArgument('idempotency_key', `idempotency_key must be at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters`);
  }
  return key;
}

/** `IDEMPOTENCY_KEY_TTL_SECONDS`: how long an idempotency key answers with its first result (default a day). */
export function idempotencyKeyTtlMs(env: NodeJS.ProcessEnv): number {
  const value = env.IDEMPOTENCY_KEY_TTL_SECONDS?.trim();
  if (!value) return DEFAULT_IDEMPOTENCY_KEY_TTL_MS;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds <= 0) throw new Error('IDEMPOTENCY_KEY_TTL_SECONDS must be a positive whole number');
  return seconds * 1000;
}
