import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GatewayErrorCode } from '../errors.js';

/** The code of these answers: Apollo Server's own for requests it cannot use. */
export const CLIENT_ERROR_CODE = GatewayErrorCode.BadRequest;

/**
 * Answers requests Node's HTTP parser refuses before Express sees them (say, a
 * 100 KB Authorization header) with a GraphQL-shaped JSON body and a stable
 * code, instead of Node's bare status line: 431 for headers over Node's limit
 * (`--max-http-header-size`, 16 KB by default), 408 for a request that
 * arrives too slowly, 400 for anything unparsable, as Node itself would.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Nothing useful can be written to a connection the client already reset.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? ['431 Request Header Fields Too Large', 'The request headers are too large.']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? ['408 Request Timeout', 'The request took too long to arrive.']
          : ['400 Bad Request', 'The request could not be parsed.'];
    const body = JSON.stringify({ errors: [{ message, extensions: { code: CLIENT_ERROR_CODE } }] });
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
