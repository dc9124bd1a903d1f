import { z } from 'zod';

/**
 * The closed list of error codes Ferry answers with. Every 4xx/5xx body is the envelope below
 * with one of these codes; the HTTP status follows from the code alone.
 */
export const ErrorCode = z.enum([
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'HEADERS_TOO_LARGE',
  'DESTINATION_NOT_ALLOWED',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'MESSAGE_NOT_FOUND',
  'MESSAGE_NOT_CANCELLABLE',
  'DESTINATION_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'REQUEST_TIMEOUT',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const errorStatus: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  HEADERS_TOO_LARGE: 431,
  DESTINATION_NOT_ALLOWED: 422,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  MESSAGE_NOT_FOUND: 404,
  MESSAGE_NOT_CANCELLABLE: 409,
  DESTINATION_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export const ErrorEnvelope = z.strictObject({
  error: z.strictObject({
    code: ErrorCode,
    message: z.string(),
    requestId: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

/** The one error type a Ferry service throws for an expected refusal; mapped to the envelope. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  get status(): number {
    return errorStatus[this.code];
  }
}
