import { type z } from 'zod';
import { BadUserInputError } from '../errors.js';

/**
 * Checks resolver arguments against `schema` before any RPC is sent. The first
 * problem becomes BAD_USER_INPUT with `extensions.field` set to the argument's
 * path as the client wrote it (`input.email`, `first`).
 */
export function parseArgs<S extends z.ZodType>(schema: S, args: unknown): z.output<S> {
  const result = schema.safeParse(args);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') || undefined;
  throw new BadUserInputError(issue ? `${field ? `${field}: ` : ''}${issue.message}` : 'Invalid input.', field);
}
