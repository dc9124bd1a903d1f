import http from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, type ErrorEnvelope } from '@ferry/contracts';
import { newRequestId, type Logger } from '@ferry/runtime';

interface Request {
  complete: boolean;
}

interface PendingResponse extends NodeJS.EventEmitter {
  headersSent: boolean;
  req?: Request;
}

/** What node keeps on a server socket: the response being written and the parser reading requests. */
type ServerSocket = Duplex & {
  _httpMessage?: PendingResponse | null;
  parser?: { incoming?: Request | null } | null;
};

/**
 * How long a connection is kept after its last answer, for the sender to read it: closing it at
 * once, with request bytes still unread, can show the sender a reset instead of the answer.
 */
const CLOSE_LINGER_MS = 2_000;

// Connections whose requests a refusal here ended. The parser reports each later read as an
// error again, and the body reading of the request it broke off fails too: neither is another
// refusal (error-handler.ts asks).
const refusedSockets = new WeakSet<Duplex>();

/** Whether the connection's requests were ended by a protocol refusal (which was answered and logged). */
export function endedByProtocolRefusal(socket: Duplex | null | undefined): boolean {
  return socket != null && refusedSockets.has(socket);
}

/**
 * Answers for what never reaches a response object: requests node's HTTP parser refuses (a bad
 * method, broken framing, oversized headers), requests node's own timeouts end, and CONNECT.
 * They get the same error envelope and request id header as every other refusal, written to the
 * socket, which is then closed, and the same `request refused` log line.
 *
 * Answers go out in order. A refusal that comes while an earlier pipelined request is still
 * being answered waits for that answer (closing the connection at once would lose it, and the
 * sender would publish again). A request that already has its answer (a 415 or 413 sent
 * before its body) gets no second one when its body then breaks: the connection just closes.
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
    closeAfter(
      socket,
      `HTTP/1.1 ${error.status} ${http.STATUS_CODES[error.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `X-Request-Id: ${requestId}\r\nCache-Control: no-store\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  };

  return {
    onClientError(err, socket) {
      if (refusedSockets.has(socket)) return;
      const error = refusalFor(err.code);
      if (!socket.writable || error === undefined) {
        socket.destroy();
        return;
      }
      refusedSockets.add(socket);
      const { _httpMessage: pending, parser } = socket as ServerSocket;
      const broken = parser?.incoming?.complete === false ? parser.incoming : undefined;
      if (pending && !pending.headersSent && pending.req === broken) {
        // The request whose body broke is the one being answered, and nothing is sent yet.
        refuse(socket, error, { reason: err.code });
        return;
      }
      // A broken body belongs to a request already answered (or being answered); broken framing
      // or headers start a request of their own, answered after those before it.
      const answer = broken ? () => closeAfter(socket) : () => refuse(socket, error, { reason: err.code });
      if (!pending) {
        answer();
        return;
      }
      // node hands the socket to the next queued response before listeners added later hear
      // 'finish'; one still queued then is a request whose answer will not come: close.
      pending.once('finish', () => ((socket as ServerSocket)._httpMessage ? socket.destroy() : answer()));
    },
    onConnect(_req, socket) {
      refusedSockets.add(socket);
      refuse(socket, new ApiError('METHOD_NOT_ALLOWED', 'CONNECT is not supported'), { method: 'CONNECT', route: 'other' }, 'Allow: GET, HEAD, POST, PUT, DELETE\r\n');
    },
  };
}

/**
 * Ends the connection after `last` (if any), and cuts it if the sender has not closed its side
 * by CLOSE_LINGER_MS. One node is closing already (its last answer said so) is left to it.
 */
function closeAfter(socket: Duplex, last?: string): void {
  if (!socket.writable) return;
  socket.end(last);
  const cut = setTimeout(() => socket.destroy(), CLOSE_LINGER_MS);
  cut.unref();
  socket.once('close', () => clearTimeout(cut));
}

/** The refusal for an error of node's HTTP server, or undefined for one that is not the request's fault (a reset). */
function refusalFor(code: string | undefined): ApiError | undefined {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError('HEADERS_TOO_LARGE', 'The request headers are larger than this server accepts');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new ApiError('PAYLOAD_TOO_LARGE', 'The chunk extensions are larger than this server accepts');
    case 'HPE_INVALID_EOF_STATE':
      // The client closed its side mid-request: it may be gone, or be waiting for this answer.
      return new ApiError('VALIDATION_FAILED', 'The connection ended before the whole request was sent');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError('REQUEST_TIMEOUT', 'The request was not received in time');
    default:
      return code?.startsWith('HPE_') ? new ApiError('VALIDATION_FAILED', `Malformed HTTP request (${code})`) : undefined;
  }
}
