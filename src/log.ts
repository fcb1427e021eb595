import { pino, type Logger, type LoggerOptions } from 'pino';

export type LogFormat = 'json' | 'pretty';

/** Structured JSON logs by default; `pretty` for a person at a terminal. */
export function createLogger(options: { level?: string; format?: LogFormat } = {}): Logger {
  const base: LoggerOptions = { level: options.level ?? 'info', base: { service: 'manifold' } };
  if (options.format === 'pretty') {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino(base);
}
