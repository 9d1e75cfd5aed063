import { idempotencyKey } from '../../platform/rules/index.js';
import { checked } from './validation.js';

export { IDEMPOTENCY_KEY_MAX_LENGTH } from '../../platform/rules/index.js';

/** How long an idempotency key answers with its first result, unless configured: a day, as clients retry within minutes. */
export const DEFAULT_IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * The request's idempotency key, trimmed, or undefined without one (proto3
 * sends an unset string as empty); INVALID_ARGUMENT when the shared rule
 * refuses it (blank, or too long).
 */
export function validateIdempotencyKey(key: string): string | undefined {
  if (key === '') return undefined;
  return checked(idempotencyKey(key), 'idempotency_key');
}

/** `IDEMPOTENCY_KEY_TTL_SECONDS`: how long an idempotency key answers with its first result (default a day). */
export function idempotencyKeyTtlMs(env: NodeJS.ProcessEnv): number {
  const value = env.IDEMPOTENCY_KEY_TTL_SECONDS?.trim();
  if (!value) return DEFAULT_IDEMPOTENCY_KEY_TTL_MS;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds <= 0) throw new Error('IDEMPOTENCY_KEY_TTL_SECONDS must be a positive whole number');
  return seconds * 1000;
}

/**
 * Values by idempotency key, each kept for one lifetime from when its key was
 * stored. Every key lives equally long and is inserted as it is stored, so the
 * map stays in expiry order and expired keys are dropped from its front on each
 * access: a cost per expired key, none per live one.
 */
export class ExpiringKeys<V> {
  readonly #entries = new Map<string, { readonly value: V; readonly expiresAt: number }>();

  constructor(private readonly ttlMs: number = DEFAULT_IDEMPOTENCY_KEY_TTL_MS) {}

  /** The value stored under `key`, unless it has expired by `now`. */
  get(key: string, now: number): V | undefined {
    this.dropExpired(now);
    const entry = this.#entries.get(key);
    // Checked again here: a clock that stepped back can leave an expired key behind a live one.
    return entry && entry.expiresAt > now ? entry.value : undefined;
  }

  /** Stores `value` under `key` for one lifetime from `now`. */
  set(key: string, value: V, now: number): void {
    this.dropExpired(now);
    // Deleted first, so a renewed key moves to the end and the expiry order holds.
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: now + this.ttlMs });
  }

  /** How many keys are held now, expired ones not yet dropped included. */
  get size(): number {
    return this.#entries.size;
  }

  /** Drops the keys that have expired by `now`, oldest first. */
  dropExpired(now: number): void {
    for (const [key, { expiresAt }] of this.#entries) {
      if (expiresAt > now) return;
      this.#entries.delete(key);
    }
  }
}
