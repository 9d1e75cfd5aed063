import { RelationsServiceService } from '../../generated/proto/pinstack/relations/v1/relations.js';
import { createUnaryClient } from '../common/client.js';
import type { ServiceEnvironment, ServiceSetup } from '../common/setup.js';
import { relationsFollowingSource } from './following-source.js';
import { createRecommendationsService } from './service.js';

/**
 * The recommendations service. It keeps no data of its own: suggestions are
 * computed from the relations service's follow graph.
 */
export function setupRecommendationsService({ logger, address }: ServiceEnvironment): ServiceSetup {
  const relations = createUnaryClient(RelationsServiceService, address('relations'));
  return {
    services: [createRecommendationsService({ following: relationsFollowingSource(relations.api), logger })],
    close: () => relations.close(),
  };
}
