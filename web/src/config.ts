/** Where the gateway answers GraphQL when nothing else says. */
const DEFAULT_GRAPHQL_URL = 'http://127.0.0.1:4000/graphql';

/**
 * The gateway's GraphQL endpoint: what the server of the built app wrote into
 * `<meta name="pinstack-graphql-url">` (so one build runs against any
 * gateway), else `VITE_GRAPHQL_URL` at build or dev-server time, else the
 * address `npm start` gives the gateway.
 */
export function graphqlUrl(): string {
  const fromPage = document.querySelector<HTMLMetaElement>('meta[name="pinstack-graphql-url"]')?.content.trim();
  return fromPage || (import.meta.env.VITE_GRAPHQL_URL as string | undefined) || DEFAULT_GRAPHQL_URL;
}
