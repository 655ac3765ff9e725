/**
 * Every error the gateway raises on purpose carries a stable string `code`.
 * Lower layers know nothing of HTTP: `gateway/http/status.ts` maps codes to statuses in one table.
 *
 * @example
 * throw new GatewayError('MODEL_NOT_FOUND', `model 'resnet' is not in the repository`);
 */
export const ERROR_CODES = [
  'INVALID_JSON',
  'INVALID_INPUT',
  'INVALID_NAME',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'REQUEST_TIMEOUT',
  'RATE_LIMITED',
  'INVALID_IMAGE',
  'INVALID_AUDIO',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'MODEL_NOT_FOUND',
  'VERSION_NOT_FOUND',
  'JOB_NOT_FOUND',
  'NOT_TRAINABLE',
  'MODEL_NOT_READY',
  'MODEL_LOAD_FAILED',
  'QUEUE_FULL',
  'TIMEOUT',
  'CANCELLED',
  'QUORUM_LOST',
  'UNAVAILABLE',
  'CONFIG_INVALID',
  'PLUGIN_INVALID',
  'RUNTIME_UNAVAILABLE',
  'INFERENCE_FAILED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class GatewayError extends Error {
  readonly code: ErrorCode;
  /** Seconds a client should wait before retrying (QUEUE_FULL, UNAVAILABLE). */
  readonly retryAfterS: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfterS?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.retryAfterS = options?.retryAfterS;
  }
}

/** Shorthand for the most common case: the client sent something the gateway cannot use. */
export function invalidInput(message: string): GatewayError {
  return new GatewayError('INVALID_INPUT', message);
}

/** True when `e` is a GatewayError (also across worker-thread boundaries, where only the shape survives). */
export function isGatewayError(e: unknown): e is GatewayError {
  return (
    e instanceof GatewayError ||
    (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'GatewayError')
  );
}
