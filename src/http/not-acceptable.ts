import type { RequestHandler } from 'express';
import { BadRequestError } from '../errors.js';
import { sendErrors } from './error-response.js';
import { responseMediaType } from './media-type.js';

/**
 * Answers 406 before anything runs when a POST accepts neither JSON media type.
 * Apollo Server checks the `Accept` header only once it has executed the
 * operation, so a mutation would change state and then be answered 406.
 * (A GET asking for HTML gets the landing page; a GET cannot mutate.)
 */
export const refuseUnacceptable: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST' || responseMediaType(req.headers.accept) !== null) return next();
  sendErrors(req, res, 406, [
    new BadRequestError('The request accepts neither application/json nor application/graphql-response+json, the types answers come in.', 406),
  ]);
};
