import type { ErrorLike } from '@apollo/client';
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import type { GraphQLFormattedError } from 'graphql';

/** The `extensions` the gateway puts on every error (README, "Errors"). */
export interface GatewayErrorExtensions {
  code?: string;
  reason?: string;
  retryAfter?: number;
  service?: string;
  field?: string;
  fields?: { field: string; message: string }[];
  limit?: string;
}

export type GatewayError = GraphQLFormattedError & { extensions?: GatewayErrorExtensions };

/**
 * The GraphQL errors behind an Apollo error: those of a GraphQL answer, or
 * those in the body of a non-2xx answer sent as `application/json` (a 401 or a
 * 429 arrives that way when the client does not ask for
 * `application/graphql-response+json`).
 */
export function gatewayErrors(error: ErrorLike | undefined | null): GatewayError[] {
  if (!error) return [];
  if (CombinedGraphQLErrors.is(error)) return error.errors as GatewayError[];
  if (ServerError.is(error)) {
    try {
      const body = JSON.parse(error.bodyText) as { errors?: GatewayError[] };
      return Array.isArray(body.errors) ? body.errors : [];
    } catch {
      return [];
    }
  }
  return [];
}

/** The first error with `code`, if any. */
export function findError(error: ErrorLike | undefined | null, code: string): GatewayError | undefined {
  return gatewayErrors(error).find((each) => each.extensions?.code === code);
}

/** A sentence for a person, by the error's stable code rather than its message. */
export function describeError(error: ErrorLike | undefined | null): string {
  const first = gatewayErrors(error)[0];
  const extensions = first?.extensions ?? {};
  switch (extensions.code) {
    case 'RATE_LIMITED':
      return `Too many requests; try again in ${extensions.retryAfter ?? 'a few'} seconds.`;
    case 'SERVICE_UNAVAILABLE':
      return 'Part of Pinstack is unavailable right now; try again shortly.';
    case 'UNAUTHENTICATED':
      return extensions.reason === 'CREDENTIALS_REJECTED' ? 'Wrong e-mail or password.' : 'Please sign in again.';
    case 'BAD_USER_INPUT':
    case 'CONFLICT':
      return first?.message ?? 'Please check the form.';
    case undefined:
      return error ? 'Pinstack cannot be reached; check your connection.' : '';
    default:
      return first?.message ?? 'Something went wrong.';
  }
}

/**
 * Each invalid input field's message, keyed by the field's name within the
 * input (`username` for `input.username`): the gateway lists every one in
 * `extensions.fields` of one BAD_USER_INPUT (or CONFLICT) error.
 */
export function fieldErrors(error: ErrorLike | undefined | null): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const each of gatewayErrors(error)) {
    for (const { field, message } of each.extensions?.fields ?? []) byField[field.replace(/^input\./, '')] ??= message;
  }
  return byField;
}

/** Whether the answer's errors include one at `path` (a field that fell back, say). */
export function errorAt(errors: readonly GatewayError[] | undefined, ...path: (string | number)[]): GatewayError | undefined {
  return errors?.find((each) => each.path?.length === path.length && each.path.every((part, i) => part === path[i]));
}
