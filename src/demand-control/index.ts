import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import type { DocumentNode, GraphQLSchema, ValidationRule } from 'graphql';
import { OperationTooExpensiveError, RateLimitedError } from '../errors.js';
import type { Registry } from 'prom-client';
import type { DemandControlSettings } from '../config/index.js';
import type { CostInFlight } from '../overload/index.js';
import type { RateLimits } from '../rate-limit/limiter.js';
import type { Logger } from '../telemetry/logger.js';
import { CostEstimator } from './cost-estimator.js';
import { ExecutionBudget } from './execution-budget.js';
import { DemandControlMetrics } from './metrics.js';
import { demandControlPlugin, type CostPayer, type DemandControlContext } from './plugin.js';
import { limitQueryLength } from './query-length.js';
import { cappedStringify } from './response-size.js';
import { structuralLimitRules } from './structural-limits.js';

export { CostEstimator } from './cost-estimator.js';
export { boundedDocumentStore } from './document-store.js';
export { ExecutionBudget } from './execution-budget.js';
export { COST_REPORT_HEADER, type CostPayer, type DemandControlContext } from './plugin.js';

/** Demand control's parts, each placed where it belongs in the request's path. */
export interface DemandControl<C extends DemandControlContext> {
  /** Express middleware before Apollo Server: the query-length limit. */
  readonly limitQueryLength: RequestHandler;
  /** Apollo Server's `parseOptions`: the token limit stops the parser. */
  readonly parseOptions: { maxTokens?: number };
  /** Apollo Server's `validationRules`: depth, introspection depth, aliases, directives. */
  readonly validationRules: ValidationRule[];
  /** The cost estimate, the cost budget and the cost report. */
  readonly plugin: ApolloServerPlugin<C>;
  /** Apollo Server's `stringifyResult`: the response-size cap. */
  readonly stringifyResult: (value: unknown) => string;
  readonly estimator: CostEstimator;
  /** A new request's execution budget. */
  budget(): ExecutionBudget;
  /**
   * The cost checks of the plugin, for an operation that does not pass
   * through Apollo Server (a subscription over WebSocket), once it has parsed
   * and validated: its estimated cost against `MAX_OPERATION_COST`, then paid
   * from `payer`'s cost budget. Throws OPERATION_TOO_EXPENSIVE or RATE_LIMITED
   * (in `enforce` mode) before it starts.
   */
  admit(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | undefined, payer: CostPayer): Promise<void>;
}

export interface DemandControlOptions {
  schema: GraphQLSchema;
  rateLimits: RateLimits;
  registry: Registry;
  operationLabel: (name: string | null | undefined, validated: boolean) => string;
  logger: Logger;
  production: boolean;
  /** The replica's cost in flight (see src/overload), weighed before each operation runs. */
  costInFlight?: CostInFlight;
}

/**
 * Builds demand control from its settings. With `DEMAND_CONTROL=off` every
 * part stands aside (nothing is estimated, limited or capped); `measure` and
 * `enforce` differ only in whether the cost limit and the cost budget refuse.
 */
export function createDemandControl<C extends DemandControlContext>(
  settings: DemandControlSettings,
  options: DemandControlOptions,
): DemandControl<C> {
  const metrics = new DemandControlMetrics(options.registry);
  const estimator = new CostEstimator(options.schema);
  if (settings.mode === 'off') {
    return {
      limitQueryLength: (_req, _res, next) => next(),
      parseOptions: {},
      validationRules: [],
      plugin: {},
      stringifyResult: (value) => `${JSON.stringify(value)}\n`,
      estimator,
      budget: () => new ExecutionBudget(null),
      admit: async () => {},
    };
  }
  const enforce = settings.mode === 'enforce';
  const refused = (limit: string) => metrics.overLimit.inc({ limit, action: 'refused' });
  const limits = { maxRpcs: settings.maxRpcsPerRequest, maxItems: settings.maxItemsPerRequest };
  return {
    limitQueryLength: limitQueryLength(settings.maxQueryCharacters, refused),
    parseOptions: { maxTokens: settings.maxTokens },
    validationRules: structuralLimitRules(settings, refused),
    plugin: demandControlPlugin<C>({ settings, estimator, metrics, ...options }),
    stringifyResult: cappedStringify(settings.maxResponseBytes, () => refused('responseBytes')),
    estimator,
    budget: () => new ExecutionBudget(limits),
    async admit(document, operationName, variables, payer) {
      const estimated = estimator.estimate(document, operationName, variables);
      if (estimated === null) return;
      if (estimated > settings.maxOperationCost) {
        metrics.overLimit.inc({ limit: 'cost', action: enforce ? 'refused' : 'logged' });
        if (enforce) throw new OperationTooExpensiveError(estimated, settings.maxOperationCost);
      }
      const decision = await options.rateLimits.consume(payer.signedIn ? 'costSignedIn' : 'costAnonymous', payer.key, Math.max(1, estimated));
      if (decision.outcome === 'limited') {
        metrics.overLimit.inc({ limit: 'costBudget', action: enforce ? 'refused' : 'logged' });
        if (enforce) throw new RateLimitedError(decision.retryAfterSeconds, "This client's budget of operation cost is spent; try again later.", 'costBudget');
      }
    },
  };
}
