import type { Notification } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import type { NotificationRecord } from './repository.js';

/** A stored notification as the proto sends it, in a listing or on a watch stream. */
export function toNotification(record: NotificationRecord): Notification {
  return {
    id: record.id,
    recipientId: record.recipientId,
    kind: record.kind,
    actorId: record.actorId,
    postId: record.postId,
    read: record.read,
    createdAt: new Date(record.createdAt),
  };
}
