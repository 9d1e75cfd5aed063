import type { DocumentNode, GraphQLSchema } from 'graphql';
import { CostModel } from './cost-model.js';
import { compileCostPlan, type CostPlan } from './cost-plan.js';

/**
 * Estimates operations' costs against one schema. Each operation is compiled
 * once into a plan, kept with its parsed document: Apollo Server reuses the
 * same `DocumentNode` for a repeated query (its document store), so a repeated
 * query costs one map lookup and a few multiplications.
 */
export class CostEstimator {
  readonly model: CostModel;
  private readonly plans = new WeakMap<DocumentNode, Map<string, CostPlan | null>>();

  constructor(private readonly schema: GraphQLSchema) {
    this.model = new CostModel(schema);
  }

  /**
   * The estimated cost of `operationName` in `document` with `variables`;
   * null when the document holds no such operation (execution then fails on its own).
   */
  estimate(document: DocumentNode, operationName: string | null | undefined, variables?: Readonly<Record<string, unknown>>): number | null {
    let byOperation = this.plans.get(document);
    if (!byOperation) {
      byOperation = new Map();
      this.plans.set(document, byOperation);
    }
    const key = operationName ?? '';
    let plan = byOperation.get(key);
    if (plan === undefined) {
      plan = compileCostPlan(this.schema, this.model, document, operationName);
      byOperation.set(key, plan);
    }
    return plan?.estimate(variables ?? {}) ?? null;
  }
}
