import { randomBytes } from 'node:crypto';

/**
 * Random bytes handed out from a pool refilled a few kilobytes at a time: one system call
 * serves hundreds of ids, where `randomBytes` per id showed up at several percent of a busy
 * ingest's CPU.
 */
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

/** `length` fresh random bytes (a view into the pool: use them before the next call). */
export function takeRandomBytes(length: number): Buffer {
  if (offset + length > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + length);
  offset += length;
  return bytes;
}
