import {
  NotificationKind,
  type NotificationsServiceService,
} from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import type { UnaryApi } from '../common/client.js';

/** Tells a user they have a new follower. */
export interface FollowNotifier {
  /** Rejects when the notice could not be delivered; the caller decides whether that matters. */
  followed(followerId: string, followeeId: string): Promise<void>;
}

/** A notifier that tells no one: for a relations service running without notifications. */
export const NO_FOLLOW_NOTIFICATIONS: FollowNotifier = {
  async followed() {},
};

/** How long a follow waits for the notifications service before giving up on the notice. */
export const NOTIFY_TIMEOUT_MS = 1_000;

/** Creates a FOLLOW notification for the followee through the notifications service. */
export function createFollowNotifier(
  notifications: UnaryApi<typeof NotificationsServiceService>,
  timeoutMs = NOTIFY_TIMEOUT_MS,
): FollowNotifier {
  return {
    async followed(followerId, followeeId) {
      await notifications.createNotification(
        { recipientId: followeeId, kind: NotificationKind.NOTIFICATION_KIND_FOLLOW, actorId: followerId, postId: '' },
        { deadline: Date.now() + timeoutMs },
      );
    },
  };
}
