/**
 * Errors in one place: what clients may see of a failure, and how anything
 * thrown gets there. Every error the gateway answers takes one path:
 *
 * 1. raised as a `GatewayError` (src/errors/classes.ts), whose subclasses set
 *    `extensions.code` from the public `GatewayErrorCode` set (src/errors/codes.ts);
 * 2. or, when it is someone else's (a gRPC status, cockatiel's breaker or
 *    bulkhead, graphql-js, Apollo Server, Express's body parser, a bug),
 *    turned into one by `normalizeError` (src/errors/normalize.ts), which holds
 *    the whole mapping: the gRPC status table and each foreign kind;
 * 3. shown by `formatGatewayError` (src/errors/format.ts), the one mask: it
 *    keeps extensions, drops HTTP hints and stack traces, and in production
 *    hides anything internal behind a fixed message. It never throws.
 *
 * Answers the gateway writes itself, outside Apollo Server, are built from the
 * same mask by src/http/error-response.ts.
 */
export * from './errors/codes.js';
export * from './errors/classes.js';
export * from './errors/normalize.js';
export * from './errors/format.js';
