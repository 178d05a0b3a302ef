import { mkdirSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import pino, { type Logger } from 'pino';
import { expect } from 'vitest';
import type { Config } from '../../src/config.js';
import { loggerOptions, secretsOf } from '../../src/logging.js';
import { CAPTURE_DIR_VARIABLE, CAPTURE_END } from './log-capture.js';

/**
 * Gatehouse's logger for tests: the product's own options (redaction paths, and the config's
 * secrets scrubbed when there is a config), so the scan at the end of the run tests what
 * production writes. Everything down to trace goes to this process's capture file; with
 * TEST_LOG_LEVEL set, lines from that level up are printed too.
 */
export function testLogger(config?: Readonly<Config>): Logger {
  const options = loggerOptions('trace', config ? secretsOf(config) : []);
  const shown = process.env.TEST_LOG_LEVEL;
  if (!shown || shown === 'silent') return pino(options, capture());
  return pino(
    options,
    pino.multistream([
      { level: 'trace', stream: capture() },
      { level: shown as pino.Level, stream: process.stdout },
    ]),
  );
}

type Destination = ReturnType<typeof pino.destination>;
const SHARED = Symbol.for('gatehouse.testLogCapture');
const shared = globalThis as { [SHARED]?: Destination };

/** One file per process, opened on first use and shared by every logger the process builds. */
function capture(): Destination {
  const existing = shared[SHARED];
  if (existing) return existing;
  const dir = process.env[CAPTURE_DIR_VARIABLE] ?? join(tmpdir(), 'gatehouse-log-capture');
  mkdirSync(dir, { recursive: true });
  // Opened here so the destination is ready at once (flushSync refuses one still opening its file)
  // and the end marker can follow its last line on the same descriptor.
  const fd = openSync(join(dir, `${process.pid}-${threadId}.log`), 'a');
  writeSync(fd, `${JSON.stringify({ capture: 'start', testFile: testFile(), pid: process.pid })}\n`);
  const destination = pino.destination({ fd, sync: false, minLength: 4096 });
  shared[SHARED] = destination;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    try {
      destination.flushSync();
      writeSync(fd, `${CAPTURE_END}\n`);
    } catch {
      // Closed already: the scan reports the file as cut short and still reads it.
    }
  };
  process.once('exit', end);
  // Vitest stops a worker with SIGTERM, which skips exit handlers: without this the last lines
  // would stay in the buffer and the scan would wait for an end marker that never comes.
  process.once('SIGTERM', () => {
    const stop = () => {
      end();
      process.kill(process.pid, 'SIGTERM');
    };
    destination.flush(() => stop());
    setTimeout(stop, 200).unref();
  });
  return destination;
}

function testFile(): string | undefined {
  try {
    return expect.getState().testPath;
  } catch {
    return undefined;
  }
}
