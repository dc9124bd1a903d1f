import http from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, type ErrorEnvelope } from '@ferry/contracts';
import { newRequestId, type Logger } from '@ferry/runtime';

interface PendingResponse {
  headersSent: boolean;
  req?: { complete: boolean };
}

/** What node keeps on a server socket: the response being written and the parser reading requests. */
type ServerSocket = Duplex & {
  _httpMessage?: PendingResponse | null;
  parser?: { incoming?: { complete: boolean } | null } | null;
};

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
      // An answer fits only where none is owed or sent already. The response pending on the
      // socket, if any, is this request's (its body was malformed) while the request is
      // incomplete; else it is an earlier pipelined request's, which would take this answer for
      // its own. With none pending, a request whose body was still being read has had its answer
      // (a 415 or 413 before the body), and a second one would go to a request never sent.
      // Close the connection in both cases, as for any other socket error.
      const { _httpMessage: pending, parser } = socket as ServerSocket;
      const answered = pending ? pending.headersSent || pending.req?.complete !== false : parser?.incoming?.complete === false;
      if (!socket.writable || !err.code?.startsWith('HPE_') || answered) {
        socket.destroy();
        return;
      }
      refuse(socket, parserRefusal(err.code), { reason: err.code });
    },
    onConnect(_req, socket) {
      refuse(socket, new ApiError('METHOD_NOT_ALLOWED', 'CONNECT is not supported'), { method: 'CONNECT', route: 'other' }, 'Allow: GET, HEAD, POST, PUT, DELETE\r\n');
    },
  };
}

/** The refusal for an error code of node's HTTP parser. */
function parserRefusal(code: string): ApiError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError('HEADERS_TOO_LARGE', 'The request headers are larger than this server accepts');
    case 'HPE_INVALID_EOF_STATE':
      // The client closed its side mid-request: it may be gone, or be waiting for this answer.
      return new ApiError('VALIDATION_FAILED', 'The connection ended before the whole request was sent');
    default:
      return new ApiError('VALIDATION_FAILED', `Malformed HTTP request (${code})`);
  }
}
