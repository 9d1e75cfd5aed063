import type { Request, RequestHandler, Response } from 'express';
import { OverloadedError, type OverloadReason } from '../errors.js';
import { sendErrors } from '../http/error-response.js';
import type { LoadShedder } from './shedder.js';

/** The seconds a shed client is asked to wait (`Retry-After`, `extensions.retryAfter`), by reason. */
export const RETRY_AFTER_SECONDS: Readonly<Record<OverloadReason, number>> = {
  // A place frees as soon as any request in flight finishes, most often well within a second.
  'in-flight': 1,
  'client-in-flight': 1,
  'cost-in-flight': 1,
  // The load is sampled every 500 ms, and a lagging loop seldom recovers faster than a sample or two.
  'event-loop': 2,
  // Heap comes back only once requests in flight finish and the collector catches up.
  heap: 5,
};

/**
 * Express middleware for the GraphQL route, ahead of anything that costs work
 * (rate limiting, the body parser, Apollo Server): refuses a request with HTTP
 * 503, `Retry-After` and SERVICE_UNAVAILABLE (`service: 'gateway'`,
 * `extensions.reason`) when `shedder` says so, and otherwise keeps its place
 * among those in flight until its response is done or its connection is gone.
 *
 * `clientKey` names who sent the request, for the per-client share: the viewer
 * when the token holds, else the client's address. It is read only once the
 * replica as a whole has room, since it may verify a token.
 */
export function shedLoad(shedder: LoadShedder, clientKey: (req: Request) => Promise<string>): RequestHandler {
  return async (req, res, next) => {
    // Preflights carry no operation and cost nothing.
    if (req.method === 'OPTIONS') return next();
    const admission = shedder.admit();
    if (typeof admission === 'string') return refuse(req, res, admission);
    // Both, and before the await below: 'finish' frees the place as soon as the
    // answer is sent, 'close' also when the client leaves before that.
    res.once('finish', admission.release);
    res.once('close', admission.release);
    let client: string;
    try {
      client = await clientKey(req);
    } catch (error) {
      admission.release();
      return next(error);
    }
    // The client went away while its key was read: nobody is left to answer.
    if (admission.released) return;
    if (!admission.claim(client)) return refuse(req, res, admission.refusedFor ?? 'client-in-flight');
    next();
  };
}

function refuse(req: Request, res: Response, reason: OverloadReason): void {
  sendErrors(req, res, 503, [new OverloadedError(reason, RETRY_AFTER_SECONDS[reason])]);
}
