import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { BadRequestError } from '../errors.js';
import { sendErrors } from './error-response.js';

/**
 * Security headers on every answer (helmet): `X-Content-Type-Options: nosniff`,
 * `Referrer-Policy`, `Strict-Transport-Security`, `X-Frame-Options` and the
 * rest of helmet's defaults. In production, where no landing page is served,
 * a Content-Security-Policy that allows nothing: the gateway serves JSON only.
 * Outside production there is none, as Apollo Sandbox loads from Apollo's CDN.
 */
export function securityHeaders(production: boolean): RequestHandler {
  return helmet({
    contentSecurityPolicy: production ? { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } : false,
    // Sandbox embeds cross-origin resources outside production; JSON answers need no isolation.
    crossOriginEmbedderPolicy: false,
  });
}

/**
 * Answers to a request that carries credentials are never stored by a shared
 * or browser cache: they are the viewer's own (`Cache-Control: private, no-store`).
 */
export const noStoreForCredentials: RequestHandler = (req, res, next) => {
  if (req.headers.authorization !== undefined || req.headers.cookie !== undefined) res.setHeader('cache-control', 'private, no-store');
  next();
};

/**
 * Refuses a request with more than one `Authorization` header (HTTP 400): Node
 * keeps the first and drops the others, so a proxy that reads the last would
 * see another identity than the gateway verifies.
 */
export const singleAuthorization: RequestHandler = (req, res, next) => {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'authorization') count += 1;
  if (count <= 1) return next();
  sendErrors(req, res, 400, [new BadRequestError('Send one Authorization header, not several.')]);
};
