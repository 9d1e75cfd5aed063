import { DEFAULT_IDEMPOTENCY_KEY_TTL_MS, ExpiringKeys } from '../common/idempotency.js';
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

/** Register idempotency keys in memory, each answering with its account for one lifetime. */
export class MemoryRegistrationKeysRepository implements RegistrationKeysRepository {
  readonly #byKey: ExpiringKeys<RegistrationKeyRecord>;

  /** `ttlMs`: how long after its first use a key still answers with its account. */
  constructor(ttlMs: number = DEFAULT_IDEMPOTENCY_KEY_TTL_MS) {
    this.#byKey = new ExpiringKeys(ttlMs);
  }

  async find(key: string, now: number): Promise<RegistrationKeyRecord | undefined> {
    const record = this.#byKey.get(key, now);
    return record && { ...record };
  }

  async insert(key: string, record: RegistrationKeyRecord, now: number): Promise<void> {
    this.#byKey.set(key, { ...record }, now);
  }

  /** How many keys are held now, expired ones not yet dropped included. */
  get size(): number {
    return this.#byKey.size;
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
