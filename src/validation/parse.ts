import { type z } from 'zod';
import { BadUserInputError, type FieldViolation } from '../errors.js';

/**
 * Checks resolver arguments against `schema` before any RPC is sent. Every
 * invalid field is reported at once, in one BAD_USER_INPUT error: its
 * `extensions.fields` lists each (`{ field, message }`, the field as the
 * argument path the client wrote, `input.email`, `first`), and
 * `extensions.field` names the first. zod checks every field of an object
 * before it gives up, so a form learns of all its mistakes in one round trip.
 */
export function parseArgs<S extends z.ZodType>(schema: S, args: unknown): z.output<S> {
  const result = schema.safeParse(args);
  if (result.success) return result.data;
  const violations: FieldViolation[] = result.error.issues.map((issue) => ({
    // An issue about the arguments as a whole (no path) is reported against none of them.
    field: issue.path.map(String).join('.') || 'arguments',
    message: issue.message,
  }));
  throw BadUserInputError.of(violations);
}
