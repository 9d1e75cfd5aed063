import { ExecutionBudgetExceededError } from '../errors.js';
import type { RpcBudget } from '../grpc/service-apis.js';

/** What one request may spend while it runs. */
export interface ExecutionLimits {
  /** RPCs it may send, retries included. */
  maxRpcs: number;
  /** List items and batch keys it may resolve. */
  maxItems: number;
}

/** Thrown for a call a request would make after its answer was sent; no client ever sees it. */
export class RequestFinishedError extends Error {
  constructor() {
    super('the request was already answered');
    this.name = 'RequestFinishedError';
  }
}

/**
 * One request's execution budget: every RPC and every list item or batch key
 * is paid for before it is fetched. It is the second line behind the cost
 * estimate: a list longer than its size rule says, or a loop in a resolver,
 * runs the budget out, and from then on the request sends nothing more: each
 * further call fails at once with EXECUTION_BUDGET_EXCEEDED, so the answer
 * stops growing.
 *
 * Once the answer is sent (`finish`), the budget is closed: graphql-js answers
 * as soon as an error nulls the whole result, while other fields may still be
 * resolving; their calls in flight are cancelled (`signal`) and any new one
 * fails at once, so nothing is left running behind the answer.
 *
 * The data sources pay list items through their own `ItemBudget`
 * (src/sources/batching.ts), which this satisfies by shape: the runtime never
 * imports the graph layer above it.
 */
export class ExecutionBudget implements RpcBudget {
  private spentRpcs = 0;
  private spentItems = 0;
  private exhausted: ExecutionBudgetExceededError | null = null;
  private answered = false;
  /** Cancels of the calls in flight. A set of functions, not an AbortSignal: this is on every request's path, and aborting builds an exception. */
  private readonly inFlight = new Set<() => void>();

  constructor(private readonly limits: ExecutionLimits | null) {}

  /** RPCs sent so far. */
  get rpcs(): number {
    return this.spentRpcs;
  }

  /** List items and batch keys resolved so far. */
  get items(): number {
    return this.spentItems;
  }

  /** The error that ran the budget out, or null while it holds. */
  get exceeded(): ExecutionBudgetExceededError | null {
    return this.exhausted;
  }

  /** Tracks a call in flight, cancelled if the answer goes out first; returns what stops tracking it. */
  track(cancel: () => void): () => void {
    if (this.answered) {
      cancel();
      return () => {};
    }
    this.inFlight.add(cancel);
    return () => this.inFlight.delete(cancel);
  }

  /** Closes the budget when the answer is sent, cancelling the calls still in flight. */
  finish(): void {
    this.answered = true;
    for (const cancel of this.inFlight) cancel();
    this.inFlight.clear();
  }

  /** Pays for one RPC; throws once the budget is spent or the request answered, before the call is sent. */
  spendRpc(): void {
    if (this.answered) throw new RequestFinishedError();
    if (this.exhausted) throw this.exhausted;
    this.spentRpcs += 1;
    if (this.limits && this.spentRpcs > this.limits.maxRpcs) this.exhaust(new ExecutionBudgetExceededError('rpcs', this.limits.maxRpcs));
  }

  /** Pays for `count` list items or batch keys; throws once the budget is spent. */
  spendItems(count: number): void {
    if (this.exhausted) throw this.exhausted;
    this.spentItems += count;
    if (this.limits && this.spentItems > this.limits.maxItems) this.exhaust(new ExecutionBudgetExceededError('items', this.limits.maxItems));
  }

  private exhaust(error: ExecutionBudgetExceededError): never {
    this.exhausted = error;
    throw error;
  }
}
