/** One GraphQL response as a test sees it. */
export interface GraphQLResponse<D = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: D | null;
  errors?: {
    message: string;
    path?: (string | number)[];
    extensions?: { code?: string; field?: string; service?: string; [key: string]: unknown };
  }[];
}

export interface GraphQLRequest {
  variables?: Record<string, unknown>;
  token?: string;
  headers?: Record<string, string>;
}

/** POSTs a GraphQL operation to `url` over real HTTP. */
export async function graphql<D = Record<string, unknown>>(
  url: string,
  query: string,
  { variables, token, headers = {} }: GraphQLRequest = {},
): Promise<GraphQLResponse<D>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<D>, 'status' | 'headers'>;
  return { status: response.status, headers: response.headers, ...body };
}

/** The codes of a response's errors, in order. */
export function errorCodes(response: GraphQLResponse<unknown>): (string | undefined)[] {
  return (response.errors ?? []).map((error) => error.extensions?.code);
}
