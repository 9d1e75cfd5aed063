import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Request, RequestHandler, Response } from 'express';
import { ConfigError } from '../config/index.js';
import { PersistedQueryNotInListError } from '../errors.js';
import { sendErrors } from '../http/error-response.js';
import { requestErrorStatus } from '../http/media-type.js';

/** The documents a production gateway in trusted mode will run, by the SHA-256 of their text. */
export type TrustedDocuments = ReadonlyMap<string, string>;

/**
 * Reads the manifest of trusted documents. Two shapes are accepted: Apollo's
 * persisted query manifest (`{ "format": "apollo-persisted-query-manifest",
 * "operations": [{ "id", "body" }] }`) and a plain `{ "<sha256>": "<document>" }`
 * map. Every id must be the SHA-256 (hex) of its document, as clients send it
 * in `extensions.persistedQuery.sha256Hash`.
 */
export function loadTrustedDocuments(path: string): TrustedDocuments {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`TRUSTED_DOCUMENTS: cannot read ${path}: ${(error as Error).message}`);
  }
  const entries: [string, unknown][] =
    parsed && typeof parsed === 'object' && 'operations' in parsed && Array.isArray(parsed.operations)
      ? (parsed.operations as { id?: unknown; body?: unknown }[]).map((operation) => [String(operation.id), operation.body])
      : Object.entries(parsed as Record<string, unknown>);
  const documents = new Map<string, string>();
  for (const [id, body] of entries) {
    if (typeof body !== 'string' || sha256(body) !== id.toLowerCase()) {
      throw new ConfigError(`TRUSTED_DOCUMENTS: the entry ${id} is not the SHA-256 of its document`);
    }
    documents.set(id.toLowerCase(), body);
  }
  return documents;
}

/**
 * Trusted-documents mode: runs only listed documents. A request may send the
 * hash alone (the document is filled in from the list) or the full text (which
 * must hash to a listed entry); anything else is refused with
 * PERSISTED_QUERY_NOT_IN_LIST before it is parsed, as a request error: HTTP 200
 * under `application/json`, 400 under `application/graphql-response+json`.
 */
export function requireTrustedDocuments(documents: TrustedDocuments): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'POST') {
      const body = req.body as { query?: unknown; extensions?: { persistedQuery?: { sha256Hash?: unknown } } } | undefined;
      if (!body || typeof body !== 'object' || Array.isArray(body)) return next();
      const document = trustedDocument(documents, body.query, body.extensions?.persistedQuery?.sha256Hash);
      if (document === undefined) return refuse(req, res);
      body.query = document;
      // Checked here; Apollo Server's own persisted queries are off in this mode.
      if (body.extensions) delete body.extensions.persistedQuery;
      return next();
    }
    if (req.method === 'GET') {
      const url = new URL(req.url, 'http://gateway');
      // Without an operation this is the landing page, which runs nothing.
      if (!url.searchParams.has('query') && !url.searchParams.has('extensions')) return next();
      let hash: unknown;
      try {
        hash = (JSON.parse(url.searchParams.get('extensions') ?? '{}') as { persistedQuery?: { sha256Hash?: unknown } }).persistedQuery?.sha256Hash;
      } catch {
        hash = undefined;
      }
      const document = trustedDocument(documents, url.searchParams.get('query') ?? undefined, hash);
      if (document === undefined) return refuse(req, res);
      url.searchParams.set('query', document);
      url.searchParams.delete('extensions');
      req.url = url.pathname + url.search;
      return next();
    }
    next();
  };
}

/**
 * The listed document a request names, or undefined when it names none: by
 * its text (which must hash to an entry) or by `hash` alone. A hash sent
 * beside the text must name the same document. HTTP requests and WebSocket
 * subscribe messages are held to the same list by this one check.
 */
export function trustedDocument(documents: TrustedDocuments, query: unknown, hash: unknown): string | undefined {
  if (typeof query === 'string' && query !== '') {
    const document = documents.get(sha256(query));
    return document !== undefined && (hash === undefined || hash === sha256(query)) ? document : undefined;
  }
  return typeof hash === 'string' ? documents.get(hash.toLowerCase()) : undefined;
}

/**
 * An unlisted document is refused for what it asks, like one that fails
 * validation: a request error, whose status GraphQL over HTTP ties to the
 * response's media type ("Status Codes").
 */
function refuse(req: Request, res: Response): void {
  sendErrors(req, res, requestErrorStatus(req.headers.accept), [new PersistedQueryNotInListError()]);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
