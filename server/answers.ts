/**
 * How every failure becomes the contract's error answer: Fastify's own error codes mapped
 * to contract codes, unknown paths, and the requests Node's HTTP parser refuses before
 * Fastify sees them (malformed framing, oversized headers, the header and body deadlines).
 */
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyRequest } from 'fastify';
import { API_PREFIX, type ApiErrorBody, type ErrorCode } from '../src/shared/protocol';
import { RESOURCE_NAMES, RESOURCES } from '../src/shared/resources';
import { ApiError } from './errors';

/** Fastify's own error codes, as contract codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_header',
  FST_ERR_BAD_URL: 'invalid_query',
  FST_ERR_MAX_PARAM_LENGTH: 'validation_failed',
};

const FASTIFY_MESSAGES: Partial<Record<ErrorCode, string>> = {
  invalid_json: 'the body is not valid JSON',
  invalid_query: 'the path or query is not valid URL encoding',
  validation_failed: 'a path parameter is too long',
  body_too_large: 'the body is too large',
  unsupported_media_type: 'send JSON with Content-Type: application/json',
};

/** Any thrown value as an ApiError; unknown failures become a 500 that leaks nothing. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const fe = err as Partial<FastifyError>;
  const code = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (code) return new ApiError(code, FASTIFY_MESSAGES[code] ?? fe.message ?? code);
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
    return new ApiError(
      fe.statusCode === 404 ? 'not_found' : 'validation_failed',
      fe.message ?? 'bad request',
    );
  return new ApiError('internal_error', 'internal error');
}

/** Reason phrases of the statuses answered on a bare socket. */
const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout' };

/**
 * Requests Node's HTTP parser refuses (oversized headers, malformed framing) or that missed
 * the header or body deadline never become Fastify requests: answer them on the socket, in
 * the contract's shape, and close it. Nothing is written once a response has begun.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const started = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (!socket.writable || started?.headersSent) {
    socket.destroy();
    return;
  }
  const error =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new ApiError('request_timeout', 'the request did not arrive in time')
      : new ApiError(
          'invalid_header',
          err.code === 'HPE_HEADER_OVERFLOW'
            ? 'the request headers are too large'
            : 'the request is not valid HTTP',
        );
  const body = JSON.stringify(errorBody(error));
  socket.end(
    `HTTP/1.1 ${error.status} ${REASONS[error.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function errorBody(error: ApiError): ApiErrorBody {
  return { error: { code: error.code, message: error.message, details: error.details ?? null } };
}

/** 404 for a path under /api: a known collection with an unsupported method, or an unknown one. */
export function notFound(request: FastifyRequest): ApiError {
  const path = request.url.split('?')[0]!;
  const known = RESOURCE_NAMES.some(
    (r) => path === RESOURCES[r].collection || path.startsWith(`${RESOURCES[r].collection}/`),
  );
  if (known || !path.startsWith(API_PREFIX))
    return new ApiError('not_found', `no route ${request.method} ${path}`);
  return new ApiError('unknown_resource', `no resource at ${path}`, { path });
}
