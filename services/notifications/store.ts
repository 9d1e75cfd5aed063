import { NotificationKind } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import type { CreatedNotification, NotificationRepository } from './repository.js';

/** What a notification says, before it is stored. */
export interface NotificationDraft {
  recipientId: string;
  kind: NotificationKind;
  actorId: string;
  /** Set for LIKE, empty for FOLLOW. */
  postId: string;
}

/** A draft that breaks the rules of a notification: a bug in whoever made it, never retried into success. */
export class InvalidNotificationError extends Error {
  override readonly name = 'InvalidNotificationError';
  readonly code = 'INVALID_NOTIFICATION';
}

/**
 * The one path by which a notification is stored, whatever caused it: it
 * checks the draft, stamps it unread at `now`, and stores it once per source
 * event (`created: false` for a repeat, which stores nothing). Whatever must
 * follow a new notification (a live stream to the recipient) hooks in here,
 * on `created`.
 */
export async function storeNotification(
  repository: NotificationRepository,
  draft: NotificationDraft,
  sourceEventId: string,
  now: () => number = Date.now,
): Promise<CreatedNotification> {
  const { recipientId, kind, actorId, postId } = draft;
  if (!recipientId || !actorId) throw new InvalidNotificationError('a notification needs a recipient and an actor');
  switch (kind) {
    case NotificationKind.NOTIFICATION_KIND_LIKE:
      if (!postId) throw new InvalidNotificationError('a LIKE notification needs a post');
      break;
    case NotificationKind.NOTIFICATION_KIND_FOLLOW:
      if (postId) throw new InvalidNotificationError('a FOLLOW notification concerns no post');
      break;
    default:
      throw new InvalidNotificationError(`notification kind ${kind} is neither FOLLOW nor LIKE`);
  }
  return repository.create({ recipientId, kind, actorId, postId, read: false, createdAt: now() }, sourceEventId);
}
