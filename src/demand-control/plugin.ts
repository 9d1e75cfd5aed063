import type { ApolloServerPlugin, BaseContext, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { DemandControlSettings } from '../config/index.js';
import { GatewayErrorCode, OperationTooExpensiveError, OverloadedError, RateLimitedError, tokenLimitOf } from '../errors.js';
import type { CostInFlight } from '../overload/index.js';
import type { LimitUsage, RateLimits } from '../rate-limit/limiter.js';
import type { Logger } from '../telemetry/logger.js';
import { activeOperationSpan } from '../telemetry/tracing.js';
import type { CostEstimator } from './cost-estimator.js';
import type { ExecutionBudget } from './execution-budget.js';
import type { DemandControlMetrics } from './metrics.js';

/** Who pays for a request's cost: the viewer when signed in, else the client's address. */
export interface CostPayer {
  /** `user:<id>` or `ip:<address>`. */
  key: string;
  signedIn: boolean;
}

/** What demand control needs of a request's context. */
export interface DemandControlContext extends BaseContext {
  /** The request's execution budget, spent by the service calls and loaders. */
  budget: ExecutionBudget;
  payer: CostPayer;
}

/** The request header by which a client asks for the cost report in `extensions.cost` (Hot Chocolate's convention). */
export const COST_REPORT_HEADER = 'graphql-cost';

export interface DemandControlPluginOptions {
  settings: DemandControlSettings;
  estimator: CostEstimator;
  rateLimits: RateLimits;
  metrics: DemandControlMetrics;
  /** The bounded label of an operation name (see GatewayMetrics.operationLabel). */
  operationLabel: (name: string | null | undefined, validated: boolean) => string;
  logger: Logger;
  /** Outside production every response carries its cost report. */
  production: boolean;
  /** The cost this replica runs at once; an operation that would take it past its limit is shed. */
  costInFlight?: CostInFlight;
}

/** `extensions.cost` of a response. */
interface CostReport {
  estimated: number | null;
  limit: number;
  mode: DemandControlSettings['mode'];
  rpcs: number;
  items: number;
  budget?: { limit: number; remaining: number; resetSeconds: number };
}

/**
 * Demand control in Apollo Server's request pipeline, once a document has
 * parsed and validated (the structural limits run as validation rules):
 *
 * - the operation's cost is estimated from `@cost` and `@listSize` (a plan
 *   cached with the parsed document) before any resolver runs; over
 *   `MAX_OPERATION_COST` it is refused with OPERATION_TOO_EXPENSIVE naming its
 *   cost and the limit (`measure` mode logs and counts instead);
 * - the cost is spent from the payer's budget per window (rate-limiter-flexible,
 *   in Redis across replicas); over it, HTTP 429 with `Retry-After`; every
 *   answer carries `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`
 *   and `RateLimit-Policy` (IETF draft-ietf-httpapi-ratelimit-headers);
 * - once answered: the execution budget's error appears once however many
 *   fields it nulled, the work done is recorded, and outside production (or
 *   when the client sends `GraphQL-Cost: report`) `extensions.cost` reports it.
 *
 * The cost is a histogram on /metrics and `cost.estimated` on the operation span.
 */
export function demandControlPlugin<C extends DemandControlContext>(options: DemandControlPluginOptions): ApolloServerPlugin<C> {
  const { settings, estimator, rateLimits, metrics, logger } = options;
  const enforce = settings.mode === 'enforce';
  return {
    async requestDidStart({ request }) {
      const span = activeOperationSpan();
      const wantsReport = !options.production || request.http?.headers.get(COST_REPORT_HEADER)?.trim().toLowerCase() === 'report';
      let estimated: number | null = null;
      let usage: LimitUsage | undefined;
      let giveBack: (() => void) | null = null;
      return {
        async parsingDidStart() {
          return async (error) => {
            // graphql-js stops parsing at the token limit; count it with the other limits.
            if (error && tokenLimitOf(error.message) !== undefined) metrics.overLimit.inc({ limit: 'tokens', action: 'refused' });
          };
        },

        async didResolveOperation({ document, operationName, operation, contextValue, response }) {
          estimated = estimator.estimate(document, operationName, request.variables);
          if (estimated === null) return;
          const type = operation?.operation ?? 'unknown';
          metrics.operationCost.observe({ operation_name: options.operationLabel(operationName, true), operation_type: type }, estimated);
          span?.setAttribute('cost.estimated', estimated);

          if (estimated > settings.maxOperationCost) {
            metrics.overLimit.inc({ limit: 'cost', action: enforce ? 'refused' : 'logged' });
            logger.warn({ operationName, estimatedCost: estimated, maxCost: settings.maxOperationCost, enforced: enforce }, 'operation over the cost limit');
            if (enforce) {
              span?.setAttribute('cost.result', 'COST_ESTIMATED_TOO_EXPENSIVE');
              throw new OperationTooExpensiveError(estimated, settings.maxOperationCost);
            }
          }

          const { payer } = contextValue;
          // Even a free operation is paid one point, so that a flood of them still spends the budget.
          const decision = await rateLimits.consume(payer.signedIn ? 'costSignedIn' : 'costAnonymous', payer.key, Math.max(1, estimated));
          if (decision.outcome !== 'unavailable') usage = decision.usage;
          if (usage) setRateLimitHeaders(response.http.headers, usage);
          if (decision.outcome === 'limited') {
            metrics.overLimit.inc({ limit: 'costBudget', action: enforce ? 'refused' : 'logged' });
            if (enforce) {
              span?.setAttribute('cost.result', 'COST_BUDGET_SPENT');
              throw new RateLimitedError(decision.retryAfterSeconds, "This client's budget of operation cost is spent; try again later.", 'costBudget');
            }
            logger.warn({ operationName, payer: payer.key, estimatedCost: estimated }, 'operation over the cost budget');
          }
          if (options.costInFlight) {
            giveBack = options.costInFlight.take(payer.key, estimated);
            if (!giveBack) {
              span?.setAttribute('cost.result', 'COST_IN_FLIGHT');
              throw new OverloadedError('cost-in-flight', 1);
            }
          }
          span?.setAttribute('cost.result', 'COST_OK');
        },

        async willSendResponse(requestContext: GraphQLRequestContextWillSendResponse<C>) {
          const { response, contextValue } = requestContext;
          const { budget } = contextValue;
          // The answer is final: whatever still runs for it is cancelled and may send nothing more.
          budget.finish();
          giveBack?.();
          metrics.requestRpcs.observe(budget.rpcs);
          metrics.requestItems.observe(budget.items);
          span?.setAttributes({ 'cost.rpcs': budget.rpcs, 'cost.items': budget.items });
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (budget.exceeded && result.errors) {
            result.errors = onceForBudget(result.errors);
            metrics.overLimit.inc({ limit: budget.exceeded.budget, action: 'refused' });
          }
          // A document refused before its cost was known has nothing to report.
          if (!wantsReport || estimated === null) return;
          const report: CostReport = { estimated, limit: settings.maxOperationCost, mode: settings.mode, rpcs: budget.rpcs, items: budget.items };
          if (usage) report.budget = { limit: usage.limit, remaining: usage.remaining, resetSeconds: usage.resetSeconds };
          result.extensions = { ...result.extensions, cost: report };
        },
      };
    },
  };
}

/** `RateLimit-*` headers for the cost budget (draft-ietf-httpapi-ratelimit-headers-07). */
function setRateLimitHeaders(headers: Map<string, string>, usage: LimitUsage): void {
  headers.set('ratelimit-limit', String(usage.limit));
  headers.set('ratelimit-remaining', String(usage.remaining));
  headers.set('ratelimit-reset', String(usage.resetSeconds));
  headers.set('ratelimit-policy', `${usage.limit};w=${usage.windowSeconds}`);
}

/**
 * Once the budget runs out every field that still needed a call fails with
 * the same error; the client needs to read it once, at the first place it struck.
 */
function onceForBudget(errors: readonly GraphQLFormattedError[]): GraphQLFormattedError[] {
  let seen = false;
  return errors.filter((error) => {
    if (error.extensions?.code !== GatewayErrorCode.ExecutionBudgetExceeded) return true;
    if (seen) return false;
    seen = true;
    return true;
  });
}
