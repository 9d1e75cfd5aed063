/**
 * What a service's error carries besides its gRPC status, in the metadata both
 * ends read: services write it (services/common/errors.ts), the gateway maps
 * it onto the GraphQL error (src/errors/normalize.ts).
 */

/** Metadata key naming the request field at fault (snake_case, as in the .proto); the gateway maps it to `extensions.field`. */
export const FIELD_VIOLATION_METADATA_KEY = 'x-field-violation';
