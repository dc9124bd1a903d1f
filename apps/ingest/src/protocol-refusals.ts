import http from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, type ErrorEnvelope } from '@ferry/contracts';
import { newRequestId, type Logger } from '@ferry/runtime';
import { cutAfterLinger } from './answer-linger';

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
 * Answers go out in order. A refusal that comes while earlier pipelined requests are still
 * being answered waits for their answers (closing the connection at once would lose them, and
 * the sender would publish again). A request that already has its answer (a 415 or 413 sent
 * before its body) gets no second one when its body then breaks: the connection just closes.
 * A timeout closes the connection at once.
 */
export function protocolRefusals(log: Logger): {
  onClientError: (err: NodeJS.ErrnoException, socket: Duplex) => void;
  onConnect: (req: http.IncomingMessage, socket: Duplex) => void;
  /** Cuts the connections of CONNECTs still open: node no longer counts them as its own, and server.closeAllConnections() misses them. */
  closeAll: () => void;
} {
  const connects = new Set<Duplex>();
  /**
   * Logs the refusal and writes it as the connection's last answer. Nothing is written, or
   * logged, on a connection node is closing already (an earlier answer said Connection: close).
   */
  const refuse = (socket: Duplex, error: ApiError, fields: Record<string, unknown>, headers = ''): void => {
    if (!socket.writable) return;
    const requestId = newRequestId();
    log.info({ requestId, code: error.code, status: error.status, ...fields }, 'request refused');
    const envelope: ErrorEnvelope = { error: { code: error.code, message: error.message, requestId } };
    const body = JSON.stringify(envelope);
    const response =
      `HTTP/1.1 ${error.status} ${http.STATUS_CODES[error.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `X-Request-Id: ${requestId}\r\nCache-Control: no-store\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`;
    closeAfter(socket, response);
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
      const fields = { reason: err.code };
      const { _httpMessage: pending, parser } = socket as ServerSocket;
      // The request being read when the error came, if it was still incomplete.
      const broken = parser?.incoming?.complete === false ? parser.incoming : undefined;
      if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        // Unlike a parse error, a timeout leaves node's parser reading: a request completed
        // after the answer would still run, and a publish be stored. So the connection goes at
        // once, as in node's own handling, answered only if no answer is under way. (One under
        // way means a handler or its answer slower than node's limits, 66 s and 5 min, which the
        // ingest's own bounds on Redis and name look-ups keep far off; the close cuts it.) A
        // request already answered (a 415 before its body) gets no second answer.
        if (broken ? pending?.req === broken && !pending.headersSent : !pending) refuse(socket, error, fields);
        else if (pending) log.warn({ ...fields }, 'connection closed: a request timed out while an answer was under way');
        socket.destroy();
        return;
      }
      afterEarlierAnswers(socket as ServerSocket, broken, (own) => {
        // A broken body of a request already answered gets no second answer; broken framing or
        // headers, or the body of the request being answered, get this refusal.
        if (broken && !own) closeAfter(socket);
        else refuse(socket, error, fields);
      });
    },
    onConnect(_req, socket) {
      refusedSockets.add(socket);
      connects.add(socket);
      socket.once('close', () => connects.delete(socket));
      // node gave the socket over with no error listener: a reset during the answer would crash the process.
      socket.on('error', () => socket.destroy());
      // node stops reading requests at a CONNECT, so waiting for the answers before it is safe.
      const error = new ApiError('METHOD_NOT_ALLOWED', 'CONNECT is not supported');
      afterEarlierAnswers(socket as ServerSocket, undefined, () =>
        refuse(socket, error, { method: 'CONNECT', route: 'other' }, 'Allow: GET, HEAD, POST, PUT, DELETE\r\n'),
      );
    },
    closeAll() {
      for (const socket of connects) socket.destroy();
    },
  };
}

/**
 * Calls `then` once the answers of the requests pipelined before the broken one have gone out:
 * with `own` true when the response pending then is the broken request's own and has sent
 * nothing (its body broke while it was read), else once no response is pending. node hands the
 * socket to the next queued response before listeners added later hear 'finish'.
 */
function afterEarlierAnswers(socket: ServerSocket, broken: Request | undefined, then: (own: boolean) => void): void {
  const pending = socket._httpMessage;
  if (!pending) then(false);
  else if (pending.req === broken && !pending.headersSent) then(true);
  else pending.once('finish', () => afterEarlierAnswers(socket, broken, then));
}

/**
 * Ends the connection after `last` (if any), and cuts it if the sender has not closed its side
 * after a short while (answer-linger.ts). One node is closing already (its last answer said so)
 * is left to it.
 */
function closeAfter(socket: Duplex, last?: string): void {
  if (!socket.writable) return;
  socket.end(last);
  cutAfterLinger(socket);
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
