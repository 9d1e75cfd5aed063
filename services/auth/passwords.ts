import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PasswordHash } from './repository.js';

/**
 * scrypt cost for new hashes: N = 2^15, r = 8, p = 1 needs 32 MiB and takes
 * around 100 ms, slow enough to make guessing expensive, fast enough to sign
 * in. Stored hashes carry their own parameters, so raising N later only
 * affects new hashes.
 */
export const SCRYPT_COST = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 64;
const SALT_LENGTH = 16;

/** Hashes `password` with a fresh random salt. */
export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(SALT_LENGTH);
  const hash = await derive(password, salt, SCRYPT_COST);
  return { algorithm: 'scrypt', ...SCRYPT_COST, salt, hash };
}

/** Whether `password` is the one `stored` was made from, compared in constant time. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const hash = await derive(password, stored.salt, stored, stored.hash.length);
  return timingSafeEqual(hash, stored.hash);
}

// A hash no password produces, checked against when the e-mail address is
// unknown: the reply then takes as long as for a known address with a wrong
// password, so timing does not reveal which addresses have accounts.
const NO_ACCOUNT: PasswordHash = {
  algorithm: 'scrypt',
  ...SCRYPT_COST,
  salt: randomBytes(SALT_LENGTH),
  hash: randomBytes(KEY_LENGTH),
};

/** Spends the time of one password check, and fails. */
export async function verifyWithoutAccount(password: string): Promise<false> {
  await verifyPassword(password, NO_ACCOUNT);
  return false;
}

function derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }, length = KEY_LENGTH): Promise<Buffer> {
  // NFKC, as NIST SP 800-63B (5.1.1.2) advises, so the same passphrase typed on
  // two keyboards that encode an accent differently still matches.
  const normalized = password.normalize('NFKC');
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) => {
    scrypt(normalized, salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}
