/**
 * The one logger of the process (storage, app, start-up), so what a person reads on a
 * terminal and what a log collector reads are the same events: JSON lines when stdout is
 * not a terminal, pino-pretty's readable lines when it is. Requests are logged one line
 * each at debug level only (`RequestLog`), so at info the terminal keeps the addresses,
 * the QR code and the staff sheet in view.
 */
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

/** Never in a log line: sessions travel in these, PINs in these fields. */
const REDACT = {
  paths: ['req.headers.authorization', 'req.headers.cookie', 'pin', '*.pin'],
  censor: '[redacted]',
};

export function createLogger(level: string, readable = false): Logger {
  if (!readable) return pino({ level, redact: REDACT });
  // In this thread, not a transport worker: lines come out in order with what main prints.
  const stream = pretty({
    colorize: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname',
    sync: true,
  });
  return pino({ level, redact: REDACT }, stream);
}

/** Fastify's request lines: none when a request comes in, one at debug level when it is answered. */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    request.log.debug(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        ...(error ? { err: error } : {}),
      },
      'request',
    );
  }
}
