import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs: a fixed message plus a context object, one child per module. Tokens are redacted. */
export function createLogger(level: string, name = 'canary'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'token',
        '*.token',
        'headers.authorization',
        '*.headers.authorization',
        'botToken',
        '*.botToken',
      ],
      censor: '<redacted>',
    },
  });
}
