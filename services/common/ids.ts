import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/**
 * The type prefix of each kind of id a service creates at run time, as the
 * seeded ids also carry it (`usr_1`, `pst_1`): an id says what it names in
 * logs, cursors and error messages.
 */
export const ID_PREFIXES = ['usr', 'pst', 'ntf'] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

/**
 * Ids made by `newId`: a prefix, an underscore and a canonical UUIDv7.
 * Seeded ids (`usr_1`: digits only) never match it.
 */
export const RUN_TIME_ID = new RegExp(
  `^(${ID_PREFIXES.join('|')})_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`,
);

/**
 * A new id for an object created at run time: `<prefix>_<UUIDv7>`, as
 * `usr_019a3c5e-8a2b-7c3d-9e4f-0123456789ab` (RFC 9562 §5.7).
 *
 * - **Never reused.** 73 of its 128 bits are fresh from the operating
 *   system's CSPRNG on every call, so a store that restarts empty does not
 *   hand out its old ids again: an access token whose `sub` named an account
 *   before the restart names no account after it. (Sequential ids did: the
 *   N-th account after a restart got the id of the N-th before it.)
 * - **Unguessable.** Knowing one id, even one made in the same millisecond,
 *   says nothing about the next beyond its time. This is why uuid's default
 *   monotonic counter is not used: it makes the next id of a millisecond the
 *   previous one plus one in its counter, leaving only 42 fresh bits.
 * - **Time-ordered.** The first 48 bits are `at`, in milliseconds, so ids of
 *   different milliseconds sort as strings in creation order; within one
 *   millisecond their order is random, which every listing tolerates since
 *   none sorts by id alone (the id only breaks ties, for a total order).
 * - **Never a seeded id.** Seeded ids are the prefix and digits only; a UUID
 *   always has hyphens and four-bit version `7`.
 *
 * `at` is the object's creation time (ms since the epoch), so an id and the
 * `createdAt` stored with it tell the same time.
 */
export function newId(prefix: IdPrefix, at: number = Date.now()): string {
  // `random` is documented to fill every field that is not the timestamp,
  // the sequence included (uuid README, `v7` options), so nothing carries over.
  return `${prefix}_${uuidv7({ msecs: at, random: randomBytes(16) })}`;
}

/** The creation time (ms since the epoch) a `newId` id carries, or undefined for any other id. */
export function idTime(id: string): number | undefined {
  if (!RUN_TIME_ID.test(id)) return undefined;
  const hex = id.slice(id.indexOf('_') + 1).replaceAll('-', '').slice(0, 12);
  return Number.parseInt(hex, 16);
}
