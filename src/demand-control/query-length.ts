import type { RequestHandler } from 'express';
import { sendErrors } from '../http/error-response.js';
import { requestErrorStatus } from '../http/media-type.js';
import { structuralLimitError, type OnRefusal } from './structural-limits.js';

/**
 * Refuses a query text longer than `maxCharacters` before Apollo Server parses
 * it or stores it as a persisted query: the token limit stops the parser, but
 * a few tokens can carry a megabyte of string or comment, and an automatic
 * persisted query would keep it. Over POST (`query` in the body) and GET.
 */
export function limitQueryLength(maxCharacters: number, onRefusal: OnRefusal = () => {}): RequestHandler {
  return (req, res, next) => {
    const query = req.method === 'GET' ? req.query.query : (req.body as { query?: unknown } | undefined)?.query;
    if (typeof query !== 'string' || query.length <= maxCharacters) return next();
    onRefusal('characters');
    sendErrors(req, res, requestErrorStatus(req.headers.accept), [structuralLimitError('characters', maxCharacters, query.length)]);
  };
}
