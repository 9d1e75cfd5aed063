import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { BadRequestError, GatewayErrorCode } from '../errors.js';
import { errorAnswer, httpMessage } from './error-response.js';

/** The code of these answers: Apollo Server's own for requests it cannot use. */
export const CLIENT_ERROR_CODE = GatewayErrorCode.BadRequest;

/**
 * Answers requests Node's HTTP parser refuses before Express sees them (say, a
 * 100 KB Authorization header) with a GraphQL-shaped JSON body and a stable
 * code, instead of Node's bare status line: 431 for headers over Node's limit
 * (`--max-http-header-size`, 16 KB by default), 408 for a request that
 * arrives too slowly, 400 for anything unparsable, as Node itself would. The
 * answer is built like every other the gateway writes (src/http/error-response.ts)
 * and written on the socket, as no HTTP response exists for it.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Nothing useful can be written to a connection the client already reset.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    // Every clientError is a request the parser refused, so always the client's: BAD_REQUEST.
    const refusal =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? new BadRequestError('The request headers are too large.', 431)
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? new BadRequestError('The request took too long to arrive.', 408)
          : new BadRequestError('The request could not be parsed.', 400);
    // The request's headers were never parsed, so there is no Accept to negotiate: application/json.
    socket.end(httpMessage(errorAnswer([refusal])));
  });
}
