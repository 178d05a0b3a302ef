import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from 'pino';

/** Bolt and the Web API client log through our pino logger (and its redaction), not to stdout. */
export function boltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const line = (parts: unknown[]) =>
    parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
  return {
    debug: (...parts) => logger.debug(line(parts)),
    info: (...parts) => logger.info(line(parts)),
    warn: (...parts) => logger.warn(line(parts)),
    error: (...parts) => logger.error(line(parts)),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
