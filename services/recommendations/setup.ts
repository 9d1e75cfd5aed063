import { RelationsServiceService } from '../../generated/proto/pinstack/relations/v1/relations.js';
import { createServiceClient } from '../common/client.js';
import type { ServiceEnvironment, ServiceSetup } from '../common/setup.js';
import { relationsFollowingSource } from './following-source.js';
import { createRecommendationsService } from './service.js';

/**
 * The recommendations service. It keeps no data of its own: suggestions are
 * computed from the relations service's follow graph.
 */
export function setupRecommendationsService({ env, logger, address }: ServiceEnvironment): ServiceSetup {
  const relations = createServiceClient(RelationsServiceService, address('relations'), env);
  return {
    services: [createRecommendationsService({ following: relationsFollowingSource(relations.api), logger })],
    close: () => relations.close(),
  };
}
