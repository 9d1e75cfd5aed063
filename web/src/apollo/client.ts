import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { ApolloLink } from '@apollo/client/link';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { getMainDefinition, relayStylePagination } from '@apollo/client/utilities';
import { printExecutableGraphQLDocument } from '@graphql-tools/documents';
import { Kind, OperationTypeNode, type DocumentNode } from 'graphql';
import { graphql } from '../../../generated/web';
import type { SessionStore } from '../session';
import { authorizationLink, refreshOnExpiryLink, retryAfterLink, sharedInFlight, type PinstackContext } from './links';
import { createSubscriptionLink } from './websocket';

// Every query of the app renders what arrived when some fields failed (errorPolicy 'all').
// Apollo Client types default options through these namespaces, so they are augmented as declared.
/* eslint-disable @typescript-eslint/no-namespace */
declare module '@apollo/client' {
  export namespace ApolloClient {
    export namespace DeclareDefaultOptions {
      interface WatchQuery {
        errorPolicy: 'all';
      }
      interface Query {
        errorPolicy: 'all';
      }
    }
  }
}
/* eslint-enable @typescript-eslint/no-namespace */

const RefreshTokenMutation = graphql(`
  mutation RefreshToken($refreshToken: String!) {
    refreshToken(refreshToken: $refreshToken) {
      accessToken
      refreshToken
    }
  }
`);

/**
 * The text of a document exactly as the trusted-documents manifest holds it
 * (`generated/web/persisted-documents.json`): GraphQL Code Generator prints
 * each document this way before hashing it, so a document sent as text hashes
 * to its manifest entry.
 */
function printAsManifest(document: DocumentNode): string {
  return printExecutableGraphQLDocument(document);
}

/** Hex SHA-256, as the gateway and Apollo's persisted-query protocol name documents. */
async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * A document's manifest hash: the one GraphQL Code Generator embedded in the
 * document (`__meta__.hash`), or, for a copy Apollo Client made of it, the
 * hash of its manifest text.
 */
function documentHash(document: DocumentNode): Promise<string> | string {
  const embedded = (document as DocumentNode & { __meta__?: { hash?: string } }).__meta__?.hash;
  return embedded ?? sha256Hex(printAsManifest(document));
}

/**
 * The Apollo Client of the web app. Subscriptions go over the gateway's
 * WebSocket (`./websocket.ts`), with the same access token and the same
 * refresh. Queries and mutations go over HTTP through these links, outermost
 * first:
 *
 * 1. waits out RATE_LIMITED and load shedding (`Retry-After`), then retries;
 * 2. refreshes an expired access token once, then retries;
 * 3. sends the access token;
 * 4. sends each document by its hash (persisted documents): a gateway with
 *    `PERSISTED_QUERIES=trusted` runs it from its manifest, one with automatic
 *    persisted queries asks once for the text and keeps it;
 * 5. HTTP.
 *
 * Queries use errorPolicy `all`: when one service fails, its fields are null
 * with an error at their path and the rest of the page still renders.
 */
export function createApolloClient(session: SessionStore, uri: string): ApolloClient {
  // Called by a link once the client below exists.
  const refresh = async (): Promise<boolean> => {
    const refreshToken = session.get()?.refreshToken;
    if (!refreshToken) return false;
    try {
      const { data } = await client.mutate({
        mutation: RefreshTokenMutation,
        variables: { refreshToken },
        context: { anonymous: true } satisfies PinstackContext,
      });
      if (!data) throw new Error('refreshToken answered no data');
      session.replaceTokens(data.refreshToken.accessToken, data.refreshToken.refreshToken);
      return true;
    } catch {
      // REFRESH_TOKEN_INVALID (spent, revoked, expired) or no answer: sign in again.
      session.set(null);
      return false;
    }
  };

  // One refresh at a time for both paths: a refresh token works once.
  const renew = sharedInFlight(refresh);
  const overHttp = ApolloLink.from([
    retryAfterLink(),
    refreshOnExpiryLink(session, renew),
    authorizationLink(session),
    new PersistedQueryLink({ generateHash: documentHash }),
    new HttpLink({ uri, print: (node) => printAsManifest(node as DocumentNode) }),
  ]);
  const overWebSocket = createSubscriptionLink({ url: uri, session, renew, print: printAsManifest }).link;

  const client: ApolloClient = new ApolloClient({
    link: ApolloLink.split(({ query }) => isSubscription(query), overWebSocket, overHttp),
    cache: new InMemoryCache({
      typePolicies: {
        Query: {
          fields: {
            // Relay-style pages merged into one list; `after` and `first` only move through it.
            feed: relayStylePagination(),
            notifications: relayStylePagination(['unreadOnly']),
          },
        },
        // A profile is the page of one user: identified by that user.
        Profile: { keyFields: ['user', ['id']] },
      },
    }),
    defaultOptions: {
      watchQuery: { errorPolicy: 'all' },
      query: { errorPolicy: 'all' },
    },
  });
  return client;
}

/** Whether the operation to send is a subscription. */
function isSubscription(document: DocumentNode): boolean {
  const main = getMainDefinition(document);
  return main.kind === Kind.OPERATION_DEFINITION && main.operation === OperationTypeNode.SUBSCRIPTION;
}
