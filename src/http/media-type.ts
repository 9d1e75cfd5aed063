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
  const preferred = new Negotiator({ headers: { accept } }).mediaType([MediaType.Json, MediaType.GraphQLResponseJson]);
  return (preferred as ResponseMediaType | undefined) ?? null;
}

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
