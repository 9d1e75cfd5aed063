import type DataLoader from 'dataloader';
import type { ServiceApis } from '../grpc/service-apis.js';
import { orderedLoader, type BatchSettings } from './batching.js';

/** How many recommendations a profile shows. */
export const RECOMMENDATIONS_LIMIT = 10;

/** The recommendations service as one request sees it: recommended accounts per user, batched. */
export class RecommendationsSource {
  /** Recommended user ids by user id over `BatchGetRecommendations`. */
  private readonly recommendationsFor: DataLoader<string, string[]>;

  constructor(api: ServiceApis['recommendations'], batching: BatchSettings) {
    this.recommendationsFor = orderedLoader(
      async (userIds) => {
        const { recommendations } = await api.batchGetRecommendations({ userIds, limit: RECOMMENDATIONS_LIMIT }, { batch: userIds.length });
        const byUser = new Map(recommendations.map((entry) => [entry.userId, entry.recommendedUserIds]));
        return userIds.map((id) => byUser.get(id) ?? []);
      },
      { name: 'recommendationsFor', ...batching },
    );
  }

  /** The ids of up to `RECOMMENDATIONS_LIMIT` accounts `userId` might follow. */
  forUser(userId: string): Promise<string[]> {
    return this.recommendationsFor.load(userId);
  }
}
