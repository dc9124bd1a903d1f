import http from 'node:http';
import type { ClientOptions, HttpClient } from './http-client';

type GotModule = typeof import('got');

// got 14 is ESM-only. Under `module: NodeNext` TypeScript keeps `import()` as is in CommonJS
// output (it does not rewrite it to require), so node loads the ESM build at run time.
const loadGot = (): Promise<GotModule> => import('got');

/** got on a keep-alive node:http agent, retries off so every call is one request. */
export async function createGotClient(options: ClientOptions): Promise<HttpClient> {
  const { got } = await loadGot();
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const client = got.extend({
    agent: { http: agent },
    retry: { limit: 0 },
    timeout: { request: options.requestTimeoutMs },
  });
  return {
    name: 'got',
    async post(url, body, headers, signal) {
      // got rejects non-2xx itself (throwHttpErrors defaults to true) and reads the body to a string.
      return (await client.post(url, { body, headers, signal })).body;
    },
    close: async () => agent.destroy(),
  };
}
