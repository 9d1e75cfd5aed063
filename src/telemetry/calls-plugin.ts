import type { ApolloServerPlugin } from '@apollo/server';
import type { CallRecorder } from './calls.js';

/**
 * Lists what a request really called in its answer, the way Apollo Router
 * shows its query plan, but with the calls as they happened:
 *
 * ```json
 * "extensions": { "calls": [
 *   { "service": "relations", "method": "BatchListFollowing", "batch": 1, "at": 0.4, "ms": 1.2, "attempts": 1, "outcome": "OK" },
 *   { "service": "posts", "method": "ListFeed", "at": 1.9, "ms": 2.3, "attempts": 1, "outcome": "OK" },
 *   { "cache": "profile", "key": "usr_7", "at": 0.3, "result": "hit" } ] }
 * ```
 *
 * Only for requests whose recorder is on (outside production always; in
 * production for a token with the `debug` scope, see `CALLS_SCOPE`), and only
 * once the operation ran: a document refused before execution called nothing.
 * Past `MAX_LISTED_CALLS` entries the rest are counted in `extensions.callsOmitted`.
 */
export function callsPlugin<C extends { calls: CallRecorder }>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart({ contextValue }) {
      // Off, the request pays for nothing more than this test.
      if (!contextValue.calls.enabled) return;
      return {
        async willSendResponse({ response, contextValue: { calls } }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          // The spec leaves `data` out of an answer whose request failed before execution began.
          if (!('data' in result)) return;
          result.extensions = { ...result.extensions, calls: calls.listed, ...(calls.omitted > 0 ? { callsOmitted: calls.omitted } : {}) };
        },
      };
    },
  };
}
