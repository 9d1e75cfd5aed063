import {
  NotificationKind,
  type NotificationsServiceService,
} from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import type { UnaryApi } from '../common/client.js';
import type { Logger } from '../common/logger.js';

/** A new like, told to the author of the post. */
export interface LikeEvent {
  /** The author of the liked post. */
  recipientId: string;
  /** Who liked it. */
  actorId: string;
  postId: string;
}

/**
 * Tells authors about likes on their posts. Telling is best effort: it
 * resolves whether or not the author could be told, and never rejects, so a
 * like never fails for want of a notification.
 */
export interface LikeNotifier {
  postLiked(event: LikeEvent): Promise<void>;
}

/** A notifier that tells nobody, for a service run without notifications. */
export const silentLikeNotifier: LikeNotifier = {
  async postLiked() {},
};

export interface NotificationsLikeNotifierOptions {
  /** How long to wait for the notifications service; default 1 s. */
  timeoutMs?: number;
  logger: Logger;
}

/**
 * A notifier that creates a LIKE notification in the notifications service.
 * The call has a short deadline of its own: a slow notifications service may
 * delay a like by at most `timeoutMs`, and a failure is logged and dropped.
 */
export function notificationsLikeNotifier(
  notifications: UnaryApi<NotificationsServiceService>,
  { timeoutMs = 1_000, logger }: NotificationsLikeNotifierOptions,
): LikeNotifier {
  return {
    async postLiked(event) {
      try {
        await notifications.createNotification(
          {
            recipientId: event.recipientId,
            kind: NotificationKind.NOTIFICATION_KIND_LIKE,
            actorId: event.actorId,
            postId: event.postId,
          },
          { deadline: Date.now() + timeoutMs },
        );
      } catch (error: unknown) {
        logger.warn({ err: error, postId: event.postId }, 'could not notify the author of a like');
      }
    },
  };
}
