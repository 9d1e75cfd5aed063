import { DEFAULT_IDEMPOTENCY_KEY_TTL_MS } from '../common/idempotency.js';
import type {
  CredentialRecord,
  CredentialsRepository,
  RefreshTokenRecord,
  RefreshTokensRepository,
  RegistrationKeyRecord,
  RegistrationKeysRepository,
} from './repository.js';

/** Credentials in memory, by e-mail address and by user. */
export class MemoryCredentialsRepository implements CredentialsRepository {
  readonly #byEmail = new Map<string, CredentialRecord>();
  readonly #userIds = new Set<string>();

  constructor(initial: Iterable<CredentialRecord> = []) {
    for (const record of initial) {
      if (!this.#add(record)) throw new Error(`duplicate seeded credentials for ${record.userId}`);
    }
  }

  async findByEmail(email: string): Promise<CredentialRecord | undefined> {
    return this.#byEmail.get(email);
  }

  async insert(record: CredentialRecord): Promise<boolean> {
    return this.#add(record);
  }

  #add(record: CredentialRecord): boolean {
    if (this.#byEmail.has(record.email) || this.#userIds.has(record.userId)) return false;
    this.#byEmail.set(record.email, record);
    this.#userIds.add(record.userId);
    return true;
  }
}

/**
 * Register idempotency keys in memory. Keys are inserted as they are first
 * used and all live equally long, so the map is in expiry order and expired
 * keys are dropped from its front whenever a key is looked up or stored.
 */
export class MemoryRegistrationKeysRepository implements RegistrationKeysRepository {
  readonly #byKey = new Map<string, { readonly record: RegistrationKeyRecord; readonly expiresAt: number }>();
  readonly #ttlMs: number;

  /** `ttlMs`: how long after its first use a key still answers with its account. */
  constructor(ttlMs: number = DEFAULT_IDEMPOTENCY_KEY_TTL_MS) {
    this.#ttlMs = ttlMs;
  }

  async find(key: string, now: number): Promise<RegistrationKeyRecord | undefined> {
    this.#dropExpired(now);
    const entry = this.#byKey.get(key);
    // Checked again here: a clock that stepped back can leave an expired key behind a live one.
    return entry && entry.expiresAt > now ? { ...entry.record } : undefined;
  }

  async insert(key: string, record: RegistrationKeyRecord, now: number): Promise<void> {
    this.#dropExpired(now);
    // Deleted first, so the renewed key moves to the map's end and the expiry order holds.
    this.#byKey.delete(key);
    this.#byKey.set(key, { record: { ...record }, expiresAt: now + this.#ttlMs });
  }

  /** How many keys are held now, expired ones not yet dropped included. */
  get size(): number {
    return this.#byKey.size;
  }

  #dropExpired(now: number): void {
    for (const [key, { expiresAt }] of this.#byKey) {
      if (expiresAt > now) return;
      this.#byKey.delete(key);
    }
  }
}

/** Refresh tokens in memory, by hash and by family. */
export class MemoryRefreshTokensRepository implements RefreshTokensRepository {
  readonly #byHash = new Map<string, RefreshTokenRecord>();
  readonly #families = new Map<string, Set<string>>();

  async insert(record: RefreshTokenRecord): Promise<void> {
    this.#byHash.set(record.tokenHash, { ...record });
    const family = this.#families.get(record.familyId) ?? new Set<string>();
    family.add(record.tokenHash);
    this.#families.set(record.familyId, family);
  }

  async findByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const record = this.#byHash.get(tokenHash);
    return record && { ...record };
  }

  async markUsed(tokenHash: string, at: Date): Promise<boolean> {
    const record = this.#byHash.get(tokenHash);
    if (!record || record.usedAt) return false;
    record.usedAt = at;
    return true;
  }

  async revokeFamily(familyId: string, at: Date): Promise<number> {
    let revoked = 0;
    for (const tokenHash of this.#families.get(familyId) ?? []) {
      const record = this.#byHash.get(tokenHash);
      if (record && !record.revokedAt) {
        record.revokedAt = at;
        revoked++;
      }
    }
    return revoked;
  }

  async deleteExpired(now: Date): Promise<number> {
    let deleted = 0;
    for (const [tokenHash, record] of this.#byHash) {
      if (record.expiresAt.getTime() > now.getTime()) continue;
      this.#byHash.delete(tokenHash);
      const family = this.#families.get(record.familyId);
      family?.delete(tokenHash);
      if (family?.size === 0) this.#families.delete(record.familyId);
      deleted++;
    }
    return deleted;
  }
}
