import { Agent, request } from 'undici';
import type { ClientOptions, HttpClient } from './http-client';

/** undici as Ferry's dispatcher uses it: `request()` on a keep-alive pool per origin. */
export function createUndiciClient(options: ClientOptions): HttpClient {
  const agent = new Agent({
    connections: options.connections,
    headersTimeout: options.requestTimeoutMs,
    bodyTimeout: options.requestTimeoutMs,
  });
  return {
    name: 'undici',
    async post(url, body, headers, signal) {
      const res = await request(url, { method: 'POST', body, headers, signal, dispatcher: agent });
      // Read the body as got does, so neither client is spared that work.
      const text = await res.body.text();
      if (res.statusCode < 200 || res.statusCode > 299) throw new Error(`undici: status ${res.statusCode} from ${url}: ${text.slice(0, 300)}`);
      return text;
    },
    close: () => agent.close(),
  };
}
