import Negotiator from 'negotiator';

/** The media types a GraphQL response is sent in (GraphQL over HTTP, "Accept"). */
export const MediaType = {
  /** The legacy type: every well-formed request gets 200, whatever its GraphQL errors. */
  Json: 'application/json',
  /** The spec's own type: a request error (nothing ran) gets a 4xx status. */
  GraphQLResponseJson: 'application/graphql-response+json',
} as const;

export type ResponseMediaType = (typeof MediaType)[keyof typeof MediaType];

/**
 * The media type of a response to a request with this `Accept` header, as
 * Apollo Server chooses it: `application/json` without the header, else the
 * one the client prefers; null when it accepts neither.
 */
export function responseMediaType(accept: string | null | undefined): ResponseMediaType | null {
  if (!accept) return MediaType.Json;
  let known = negotiated.get(accept);
  if (known === undefined) {
    const preferred = new Negotiator({ headers: { accept } }).mediaType([MediaType.Json, MediaType.GraphQLResponseJson]);
    known = (preferred as ResponseMediaType | undefined) ?? null;
    // Clients send a handful of Accept headers; a client sending endless new ones only churns the cache.
    if (negotiated.size >= NEGOTIATED_ACCEPT_HEADERS) negotiated.clear();
    negotiated.set(accept, known);
  }
  return known;
}

/** How many distinct Accept headers keep their negotiated answer (every request is negotiated). */
const NEGOTIATED_ACCEPT_HEADERS = 100;
const negotiated = new Map<string, ResponseMediaType | null>();

/**
 * The status of a response that refuses a well-formed GraphQL request for what
 * it asks (a document that does not parse or validate, breaks a limit, or whose
 * variables do not coerce). GraphQL over HTTP: under `application/json` such a
 * response SHOULD be 200, so that legacy clients read the errors in its body;
 * under `application/graphql-response+json` it is a 4xx (here `status`).
 */
export function requestErrorStatus(accept: string | null | undefined, status = 400): number {
  return responseMediaType(accept) === MediaType.GraphQLResponseJson ? status : 200;
}
