import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';

/**
 * The catalogue of domain events: what the services publish, one schema per
 * type and version. A field is only ever added to a version; renaming,
 * removing or retyping one makes a new version, published beside the old one
 * until every consumer reads the new (see README, "Domain events").
 */

const id = z.string().min(1).max(200);

/** Payload schemas by event type, at their current version. */
const PAYLOADS = {
  /** `actor` started following `payload.followeeId`; the subject is the followee. */
  'user.followed': z.object({ followerId: id, followeeId: id }),
  /** `actor` stopped following `payload.followeeId`; the subject is the followee. */
  'user.unfollowed': z.object({ followerId: id, followeeId: id }),
  /** `actor` created a post; the subject is the post. */
  'post.created': z.object({ postId: id, authorId: id }),
  /** `actor` (the author or an admin) deleted a post of `payload.authorId`; the subject is the post. */
  'post.deleted': z.object({ postId: id, authorId: id }),
  /** `actor` liked a post of `payload.authorId`; the subject is the post. */
  'post.liked': z.object({ postId: id, authorId: id, likerId: id }),
  /** `actor` took back a like of a post of `payload.authorId`; the subject is the post. */
  'post.unliked': z.object({ postId: id, authorId: id, likerId: id }),
  /** A user changed the profile fields in `payload.changed`; actor and subject are the user. */
  'profile.updated': z.object({ userId: id, changed: z.array(z.enum(['displayName', 'bio', 'avatarUrl'])) }),
} as const;

/** Every event type of the catalogue (`user.followed`, ...). */
export const EVENT_TYPES = Object.keys(PAYLOADS) as EventType[];
export type EventType = keyof typeof PAYLOADS;

/** The version each type is published at. A consumer reads the versions it knows and leaves the others alone. */
export const EVENT_VERSIONS: Readonly<Record<EventType, number>> = {
  'user.followed': 1,
  'user.unfollowed': 1,
  'post.created': 1,
  'post.deleted': 1,
  'post.liked': 1,
  'post.unliked': 1,
  'profile.updated': 1,
};

export type EventPayload<T extends EventType> = z.infer<(typeof PAYLOADS)[T]>;

/**
 * A domain event as it travels: the envelope every type shares, and the
 * payload of its type. Consumers deduplicate by `id` (delivery is at least
 * once), and publishing deduplicates by it too (JetStream's `Nats-Msg-Id`).
 */
export interface DomainEvent<T extends EventType = EventType> {
  /** A UUIDv7, unique per event: the key every consumer deduplicates by. */
  readonly id: string;
  readonly type: T;
  /** The version of the payload's schema, from `EVENT_VERSIONS`. */
  readonly version: number;
  /** When the write that caused it committed, ISO 8601 in UTC. */
  readonly occurredAt: string;
  /** The user whose request caused it. */
  readonly actor: string;
  /** The id of what it is about: a user (`usr_…`) or a post (`pst_…`). */
  readonly subject: string;
  readonly payload: EventPayload<T>;
}

/** Any event of the catalogue, narrowed by `type`. */
export type AnyDomainEvent = { [T in EventType]: DomainEvent<T> }[EventType];

/** What a publisher says about an event; the envelope's id, version and time are filled in. */
export interface NewEvent<T extends EventType> {
  type: T;
  actor: string;
  subject: string;
  payload: EventPayload<T>;
  /** When the write happened; now by default. */
  at?: Date;
}

/** A new event of the catalogue, at its type's current version, with a fresh id. */
export function createEvent<T extends EventType>({ type, actor, subject, payload, at = new Date() }: NewEvent<T>): DomainEvent<T> {
  // Random bits from the CSPRNG (as services/common/ids.ts): event ids must not repeat across restarts.
  return { id: uuidv7({ msecs: at.getTime(), random: randomBytes(16) }), type, version: EVENT_VERSIONS[type], occurredAt: at.toISOString(), actor, subject, payload };
}

/** Codes of `EventDecodeError`: what kind of message could not be read as an event. */
export type EventDecodeErrorCode = 'MALFORMED' | 'UNKNOWN_TYPE' | 'UNKNOWN_VERSION';

/**
 * A message that is not an event this build can read. `MALFORMED` (not JSON, a
 * missing field, a payload off its schema) can never succeed and goes to the
 * dead letters at once; `UNKNOWN_TYPE` and `UNKNOWN_VERSION` are left alone
 * by a consumer, as a newer producer may publish what it does not know yet.
 */
export class EventDecodeError extends Error {
  override readonly name = 'EventDecodeError';
  constructor(
    readonly code: EventDecodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const ENVELOPE = z.object({
  id: id,
  type: z.string(),
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
  actor: id,
  subject: id,
  payload: z.unknown(),
});

/** The wire form of an event: UTF-8 JSON of the envelope. */
export function encodeEvent(event: DomainEvent): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(event));
}

/** An event from its wire form, checked against the catalogue; throws `EventDecodeError`. */
export function decodeEvent(data: Uint8Array): AnyDomainEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(data));
  } catch {
    throw new EventDecodeError('MALFORMED', 'the message is not JSON');
  }
  const envelope = ENVELOPE.safeParse(parsed);
  if (!envelope.success) throw new EventDecodeError('MALFORMED', `not an event envelope: ${envelope.error.issues[0]?.message ?? 'invalid'}`);
  const { type, version } = envelope.data;
  if (!(type in PAYLOADS)) throw new EventDecodeError('UNKNOWN_TYPE', `unknown event type ${type}`);
  const known = type as EventType;
  if (version !== EVENT_VERSIONS[known]) throw new EventDecodeError('UNKNOWN_VERSION', `${type} v${version} is not known here`);
  const payload = PAYLOADS[known].safeParse(envelope.data.payload);
  if (!payload.success) throw new EventDecodeError('MALFORMED', `${type} payload: ${payload.error.issues[0]?.message ?? 'invalid'}`);
  return { ...envelope.data, type: known, payload: payload.data } as AnyDomainEvent;
}
