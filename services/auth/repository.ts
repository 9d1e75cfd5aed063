/** A scrypt hash with the parameters it was made with, so the cost can be raised without breaking old hashes. */
export interface PasswordHash {
  algorithm: 'scrypt';
  /** CPU/memory cost. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** What a user signs in with. */
export interface CredentialRecord {
  userId: string;
  /**
   * When the account was created: its profile's `created_at` in the users
   * service. Access tokens carry it, so that a token holds for this account
   * only and never for another that might one day get the same id.
   */
  accountCreatedAt: Date;
  /** Trimmed and lower-case: e-mail addresses sign in without regard to case. */
  email: string;
  password: PasswordHash;
  /** When these credentials were stored. */
  createdAt: Date;
}

/** Storage of credentials; one record per user and per e-mail address. */
export interface CredentialsRepository {
  findByEmail(email: string): Promise<CredentialRecord | undefined>;
  /** False, storing nothing, when the e-mail address or the user already has credentials. */
  insert(record: CredentialRecord): Promise<boolean>;
}

/** The account a Register idempotency key created, with what it was registered as. */
export interface RegistrationKeyRecord {
  userId: string;
  /** Trimmed and lower-case. */
  username: string;
  /** Trimmed and lower-case. */
  email: string;
}

/** Register idempotency keys, each answering with its account for a limited time after its first use. */
export interface RegistrationKeysRepository {
  /** The account `key` created, or undefined when the key is unknown or has expired by `now` (ms). */
  find(key: string, now: number): Promise<RegistrationKeyRecord | undefined>;
  /** Keeps `key` with the account it created, from `now` (ms) for the key's lifetime. */
  insert(key: string, record: RegistrationKeyRecord, now: number): Promise<void>;
}

/**
 * One issued refresh token. Only its SHA-256 is kept: a copy of the store
 * cannot be replayed as tokens. Tokens issued by rotating one another share a
 * family, so reuse of a rotated token can revoke every token descended from
 * the same sign-in.
 */
export interface RefreshTokenRecord {
  /** Hex SHA-256 of the token. */
  tokenHash: string;
  userId: string;
  /** The account's creation time, which the access tokens it renews carry (see `CredentialRecord`). */
  accountCreatedAt: Date;
  /** Random (UUIDv4), never reused; it stays inside the auth service. */
  familyId: string;
  issuedAt: Date;
  expiresAt: Date;
  /** When it was exchanged for a new pair; a second exchange means it leaked. */
  usedAt?: Date;
  revokedAt?: Date;
}

/** Storage of refresh tokens, by hash and by family. */
export interface RefreshTokensRepository {
  insert(record: RefreshTokenRecord): Promise<void>;
  findByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Marks the token used at `at`, atomically: true for the first caller only,
   * so two concurrent exchanges of one token cannot both succeed.
   */
  markUsed(tokenHash: string, at: Date): Promise<boolean>;
  /** Revokes every token of the family not yet revoked; returns how many. */
  revokeFamily(familyId: string, at: Date): Promise<number>;
  /** Forgets tokens that expired before `now`; returns how many. */
  deleteExpired(now: Date): Promise<number>;
}
