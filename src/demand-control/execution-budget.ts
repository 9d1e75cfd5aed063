import { ExecutionBudgetExceededError } from '../errors.js';

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
 */
export class ExecutionBudget {
  private spentRpcs = 0;
  private spentItems = 0;
  private exhausted: ExecutionBudgetExceededError | null = null;
  private readonly finished = new AbortController();

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

  /** Aborted once the request is answered: calls still in flight for it are cancelled. */
  get signal(): AbortSignal {
    return this.finished.signal;
  }

  /** Closes the budget when the answer is sent. */
  finish(): void {
    this.finished.abort();
  }

  /** Pays for one RPC; throws once the budget is spent or the request answered, before the call is sent. */
  spendRpc(): void {
    if (this.finished.signal.aborted) throw new RequestFinishedError();
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
