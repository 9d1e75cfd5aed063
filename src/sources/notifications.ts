import type { ListNotificationsResponse } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import type { ServiceApis } from '../grpc/service-apis.js';
import type { ItemBudget, PageArgs } from './batching.js';

/**
 * The notifications service as one request sees it: a recipient's page of
 * notifications, and marking them read (nothing a profile shows).
 */
export class NotificationsSource {
  constructor(
    private readonly api: ServiceApis['notifications'],
    private readonly budget: ItemBudget,
  ) {}

  /** A page of `recipientId`'s notifications, newest first, with the unread count. */
  async list(recipientId: string, page: PageArgs & { unreadOnly: boolean }): Promise<ListNotificationsResponse> {
    // A page is paid for before it is fetched, like the loaders' batches.
    this.budget.spendItems(page.first);
    return this.api.listNotifications(
      { recipientId, pageSize: page.first, pageToken: page.after ?? '', unreadOnly: page.unreadOnly },
      { fields: { page_token: 'after', page_size: 'first' } },
    );
  }

  /** Marks `recipientId`'s notifications `ids` read; answers how many changed (0, without an RPC, for none). */
  async markRead(recipientId: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return (await this.api.markRead({ recipientId, ids: [...ids] })).updatedCount;
  }
}
