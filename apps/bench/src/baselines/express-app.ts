import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { announce, intEnv } from './baseline-env';

/**
 * An express app set up as Ferry's ingest sets up its own (no ETag hashing of every answer, no
 * x-powered-by), so a comparison with ingest measures the queue behind the route, not the framework
 * settings.
 */
export function createBaselineApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  return app;
}

/** Listens on 127.0.0.1:PORT (0: a free port) and announces the port the bench reads. */
export async function listen(app: Express): Promise<Server> {
  const server = app.listen(intEnv('PORT', 0), '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  announce({ msg: 'listening', port: (server.address() as AddressInfo).port });
  return server;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
