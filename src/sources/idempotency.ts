/**
 * The idempotency key a creating mutation carries, and the GraphQL argument
 * (or header) it came in: a key the service refuses is reported under it.
 */
export interface IdempotencyKey {
  key: string;
  /** `input.clientMutationId`, or `Idempotency-Key` when it came as the request header. */
  argument: string;
}

/** The request fields that carry `idempotency` to its service, and how a refusal of them names it. */
export function idempotencyFields(idempotency: IdempotencyKey | null): { request: { idempotencyKey?: string }; fields: Record<string, string> } {
  if (!idempotency) return { request: {}, fields: {} };
  return { request: { idempotencyKey: idempotency.key }, fields: { idempotency_key: idempotency.argument } };
}
