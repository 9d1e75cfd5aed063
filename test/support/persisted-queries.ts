/** A GraphQL response body as a persisted-query test reads it. */
export interface RawResponse {
  status: number;
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** POSTs a raw GraphQL request body (say, a persisted-query hash without a query). */
export async function postJson(url: string, body: Record<string, unknown>): Promise<RawResponse> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, ...((await response.json()) as Omit<RawResponse, 'status'>) };
}

/** GETs a GraphQL operation with its parameters in the query string. */
export async function getJson(url: string, params: Record<string, string>): Promise<RawResponse> {
  const target = new URL(url);
  for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
  const response = await fetch(target, { headers: { 'apollo-require-preflight': 'true' } });
  return { status: response.status, ...((await response.json()) as Omit<RawResponse, 'status'>) };
}
