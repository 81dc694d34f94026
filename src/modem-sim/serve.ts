/**
 * Runs the simulated modem over a byte stream pair (stdin/stdout when gammu
 * starts it with `connection = proxyat`), with an optional transcript.
 */
import { appendFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { AtEngine } from './at-engine.js';
import { SimModem } from './modem.js';

/** Options of {@link serveModemSim}. */
export interface ServeOptions {
  stateDir: string;
  input: Readable;
  output: Writable;
  /** Appends a transcript of every line in (`>>`) and out (`<<`) to this file. */
  logFile?: string;
  /** Answer parts that ask for it with a "delivered" status report. */
  autoReport?: boolean;
  /** A SIM that waits for this PIN (AtEngineOptions.simPin). */
  simPin?: string;
}

/** Makes control characters visible in the transcript. */
export function visible(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => {
    switch (c) {
      case '\r':
        return '\\r';
      case '\n':
        return '\\n';
      case '\x1a':
        return '<^Z>';
      case '\x1b':
        return '<ESC>';
      default:
        return `<${c.charCodeAt(0).toString(16).padStart(2, '0')}>`;
    }
  });
}

/**
 * Serves AT on `input`/`output` until the input ends (gammu closed the pipe)
 * or the output breaks. Everything the modem knows is written to the state
 * folder as it happens, so stopping the process at any moment loses nothing.
 */
export function serveModemSim(opts: ServeOptions): Promise<void> {
  const log = opts.logFile
    ? (line: string) => {
        try {
          appendFileSync(opts.logFile!, `${new Date().toISOString()} ${line}\n`);
        } catch {
          // A transcript that cannot be written must not stop the modem.
        }
      }
    : undefined;
  const modem = new SimModem(opts.stateDir, log ? (l) => log(`-- ${l}`) : undefined, { autoReport: opts.autoReport ?? false });
  log?.(`-- modem-sim started (pid ${process.pid}), state ${opts.stateDir}`);
  let broken = false;
  const engine = new AtEngine(modem, {
    write: (chunk) => {
      if (!broken) opts.output.write(Buffer.from(chunk, 'latin1'));
    },
    ...(log ? { trace: (dir: '>>' | '<<', text: string) => log(`${dir} ${visible(text)}`) } : {}),
    ...(opts.simPin !== undefined ? { simPin: opts.simPin } : {}),
  });
  return new Promise<void>((resolve) => {
    const finish = () => {
      void engine.idle().then(() => {
        log?.('-- input closed');
        resolve();
      });
    };
    opts.output.on('error', () => {
      broken = true;
      resolve();
    });
    opts.input.on('data', (chunk: Buffer | string) => engine.feed(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk));
    opts.input.on('end', finish);
    opts.input.on('error', finish);
  });
}
