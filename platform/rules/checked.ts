/**
 * What a rule answers: the value to use, normalised (trimmed, NFC, lower-cased
 * as the rule says), or the violation that refuses it. Rules never throw:
 * each edge turns a violation into its own error, INVALID_ARGUMENT naming the
 * proto field in a service, BAD_USER_INPUT naming the argument path in the gateway.
 */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly violation: Violation };

/**
 * Why a value was refused. `field` is the rule's own name for the field
 * (`displayName`); an edge reports it under its own spelling (`display_name`,
 * `input.displayName`). `message` reads after the field's name: "must be at
 * most 50 characters".
 */
export interface Violation {
  readonly field: string;
  readonly message: string;
  /** For a list, the position of the entry at fault. */
  readonly index?: number;
}

/** An accepted value. */
export function ok<T>(value: T): Checked<T> {
  return { ok: true, value };
}

/** A refused value. */
export function refuse<T = never>(field: string, message: string, index?: number): Checked<T> {
  return { ok: false, violation: index === undefined ? { field, message } : { field, message, index } };
}
