import { NotificationKind } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import type { DomainEvent, EventBus, EventSubscription } from '../../platform/events/index.js';
import type { Logger } from '../common/logger.js';
import type { NotificationRepository } from './repository.js';
import { storeNotification, type NotificationDraft } from './store.js';

/** The durable consumer of the notifications service, as the broker knows it. */
export const NOTIFICATIONS_CONSUMER = 'notifications';

/** The events that notify someone. */
export const NOTIFYING_EVENTS = ['user.followed', 'post.liked'] as const;
type NotifyingEvent = (typeof NOTIFYING_EVENTS)[number];

/** Who to tell what about `event`, or null when nobody needs telling (liking one's own post). */
export function notificationFor(event: DomainEvent<NotifyingEvent>): NotificationDraft | null {
  switch (event.type) {
    case 'user.followed': {
      const { followerId, followeeId } = (event as DomainEvent<'user.followed'>).payload;
      return { recipientId: followeeId, kind: NotificationKind.NOTIFICATION_KIND_FOLLOW, actorId: followerId, postId: '' };
    }
    case 'post.liked': {
      const { postId, authorId, likerId } = (event as DomainEvent<'post.liked'>).payload;
      if (authorId === likerId) return null;
      return { recipientId: authorId, kind: NotificationKind.NOTIFICATION_KIND_LIKE, actorId: likerId, postId };
    }
  }
}

export interface NotificationEventOptions {
  repository: NotificationRepository;
  logger: Logger;
  now?: () => number;
  /** Bus settings for the durable consumers (deliveries before dead letters, ack wait, retry delays); the bus's defaults otherwise. */
  maxDeliver?: number;
  ackWaitMs?: number;
  retryDelaysMs?: readonly number[];
}

/**
 * Builds notifications from `user.followed` and `post.liked`, through durable
 * consumers: each event is stored as at most one notification (by its id, so a
 * redelivery stores nothing), and acknowledged only once stored.
 */
export function consumeNotificationEvents(bus: EventBus, options: NotificationEventOptions): Promise<EventSubscription> {
  const { repository, logger, now } = options;
  return bus.consume({
    consumer: NOTIFICATIONS_CONSUMER,
    types: NOTIFYING_EVENTS,
    maxDeliver: options.maxDeliver,
    ackWaitMs: options.ackWaitMs,
    retryDelaysMs: options.retryDelaysMs,
    async handle(event) {
      const draft = notificationFor(event);
      if (!draft) return;
      const { notification, created } = await storeNotification(repository, draft, event.id, now);
      if (!created) logger.debug({ eventId: event.id, notificationId: notification.id }, 'event delivered again; its notification exists');
    },
  });
}
