import type { RequestHandler } from 'express';
import Negotiator from 'negotiator';
import { MediaType } from './media-type.js';

/** What a browser is told at `/graphql` in production, where Apollo Sandbox is not served. */
const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>GraphQL explorer off</title></head>
<body>
<h1>The GraphQL explorer is off in production</h1>
<p>This is the GraphQL endpoint of Pinstack. The in-browser explorer and introspection are served only outside
production (<code>NODE_ENV</code> other than <code>production</code>).</p>
<p>Send operations with <code>POST</code> and <code>Content-Type: application/json</code>, a body such as
<code>{"query": "{ __typename }"}</code>, and <code>Accept: application/json</code> or
<code>application/graphql-response+json</code>.</p>
</body>
</html>
`;

/** Whether `accept` prefers an HTML page to either JSON answer: a browser opening the URL, as Apollo Server tells it. */
function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  return new Negotiator({ headers: { accept } }).mediaType([MediaType.Json, MediaType.GraphQLResponseJson, 'text/html']) === 'text/html';
}

/**
 * Production only: a GET (or HEAD) of `/graphql` that prefers HTML (a browser
 * opening the URL) gets a small page saying the explorer is off, with 404, as
 * there is no page to serve. Without it Apollo Server, whose landing page is
 * disabled, would run the GET as an operation and refuse it as a CSRF risk
 * (400 `BAD_REQUEST` about `apollo-require-preflight`), which reads as a
 * fault of the browser. Requests for JSON are not touched, so GraphQL clients
 * get exactly the answers they got before.
 */
export const explorerOffPage: RequestHandler = (req, res, next) => {
  if ((req.method !== 'GET' && req.method !== 'HEAD') || !prefersHtml(req.headers.accept)) return next();
  res.status(404).type('html').send(PAGE);
};
