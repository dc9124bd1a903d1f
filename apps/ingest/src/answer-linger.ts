import type { Duplex } from 'node:stream';

/**
 * How long a connection stays open after an answer that ends its requests, for the sender to
 * read it: closing it at once, with request bytes still unread, can show the sender a reset
 * instead of the answer. Short enough that a huge or trickling body does not hold it.
 */
const ANSWER_LINGER_MS = 2_000;

/**
 * Destroys `socket` ANSWER_LINGER_MS from now, unless it closes first, or `body` (a request
 * whose body is still arriving) ends first.
 */
export function cutAfterLinger(socket: Duplex, body?: NodeJS.EventEmitter): void {
  const cut = setTimeout(() => socket.destroy(), ANSWER_LINGER_MS);
  cut.unref();
  const keep = (): void => clearTimeout(cut);
  socket.once('close', keep);
  body?.once('end', keep);
}
