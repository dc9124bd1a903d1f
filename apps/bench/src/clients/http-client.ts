/** The one operation the comparison exercises, so both clients do exactly the same work. */
export interface HttpClient {
  readonly name: string;
  /** Sends a POST, reads the whole response, and rejects unless the status is 2xx; answers the response body. */
  post(url: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<string>;
  close(): Promise<void>;
}

export interface ClientOptions {
  /** Upper bound on open connections to the origin. */
  connections: number;
  /** Per-request limit, so one stuck request cannot stall a run. */
  requestTimeoutMs: number;
}
