import http from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, type ErrorEnvelope } from '@ferry/contracts';
import { newRequestId, type Logger } from '@ferry/runtime';

interface PendingResponse {
  headersSent: boolean;
  req?: { complete: boolean };
}

/**
 * Answers for what never reaches a response object: requests node's HTTP parser refuses (a bad
 * method, broken framing, oversized headers) and CONNECT. They get the same error envelope and
 * request id header as every other refusal, written to the socket, which is then closed, and
 * the same `request refused` log line.
 */
export function protocolRefusals(log: Logger): {
  onClientError: (err: NodeJS.ErrnoException, socket: Duplex) => void;
  onConnect: (req: http.IncomingMessage, socket: Duplex) => void;
} {
  const refuse = (socket: Duplex, error: ApiError, fields: Record<string, unknown>, headers = ''): void => {
    const requestId = newRequestId();
    log.info({ requestId, code: error.code, status: error.status, ...fields }, 'request refused');
    const envelope: ErrorEnvelope = { error: { code: error.code, message: error.message, requestId } };
    const body = JSON.stringify(envelope);
    socket.end(
      `HTTP/1.1 ${error.status} ${http.STATUS_CODES[error.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `X-Request-Id: ${requestId}\r\nCache-Control: no-store\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  };

  return {
    onClientError(err, socket) {
      // The response pending on the socket, if any, is this request's (its body was malformed)
      // while the request is incomplete; else it is an earlier pipelined request's, which would
      // take this answer for its own: close the connection then, as for any other socket error.
      const pending = (socket as Duplex & { _httpMessage?: PendingResponse | null })._httpMessage;
      const answersAnother = pending ? pending.headersSent || pending.req?.complete !== false : false;
      if (!socket.writable || !err.code?.startsWith('HPE_') || answersAnother) {
        socket.destroy();
        return;
      }
      const error =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? new ApiError('HEADERS_TOO_LARGE', 'The request headers are larger than this server accepts')
          : new ApiError('VALIDATION_FAILED', `Malformed HTTP request (${err.code})`);
      refuse(socket, error, { reason: err.code });
    },
    onConnect(_req, socket) {
      refuse(socket, new ApiError('METHOD_NOT_ALLOWED', 'CONNECT is not supported'), { method: 'CONNECT', route: 'other' }, 'Allow: GET, HEAD, POST, PUT, DELETE\r\n');
    },
  };
}
