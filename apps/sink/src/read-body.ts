import type { IncomingMessage } from 'node:http';

export const MAX_RECORDED_BODY_BYTES = 64 * 1024;

export interface ReadBody {
  /** The first `limit` bytes, as read (a cut may split a UTF-8 character). */
  kept: Buffer;
  bytes: number;
}

/**
 * Reads the request to its end. The rest beyond `limit` is read and dropped rather than left
 * unread: answering before the body is consumed would stall or close a keep-alive connection.
 * Rejects if the client goes away first.
 */
export function readBody(req: IncomingMessage, limit = MAX_RECORDED_BODY_BYTES): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (kept < limit) {
        const part = chunk.length <= limit - kept ? chunk : chunk.subarray(0, limit - kept);
        chunks.push(part);
        kept += part.length;
      }
    });
    req.on('end', () => resolve({ kept: Buffer.concat(chunks, kept), bytes }));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('request closed before its body ended'));
    });
  });
}
