/**
 * `kirim modem-sim`: a simulated GSM modem for gammu (`connection = proxyat`,
 * `device = kirim modem-sim --state DIR`), and the subcommands that read what
 * its virtual handsets received and steer it (inbound SMS, delivery reports,
 * faults). See docs/modem-sim.md.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { UserError } from './errors.js';
import { serveModemSim } from '../modem-sim/serve.js';
import {
  listHandsets,
  readFaults,
  readHandset,
  statePaths,
  type Faults,
  type HandsetMessage,
} from '../modem-sim/state.js';
import { sendControl, type ControlCommand } from '../modem-sim/control.js';
import { readFileSync } from 'node:fs';

function int(name: string, min: number, max: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      throw new InvalidArgumentError(`${name} must be an integer ${min}..${max}`);
    }
    return Number(v);
  };
}

function stateOption(): Option {
  return new Option('--state <dir>', 'state folder of the simulated modem (required)');
}

/**
 * The state folder of a subcommand. Unless the root program uses positional
 * options, commander hands `--state` written after the subcommand name to the
 * parent `modem-sim` command, so both places are looked at.
 */
function stateDirOf(cmd: Command): string {
  const state = (cmd.optsWithGlobals() as { state?: string }).state;
  if (!state) throw new UserError("required option '--state <dir>' not specified");
  return resolve(state);
}

function drop(stateDir: string, command: ControlCommand): void {
  try {
    const t = sendControl(stateDir, command);
    process.stdout.write(`queued ${t.file.split('/').pop()} (applied by the running modem-sim at its next AT command)\n`);
  } catch (err) {
    throw new UserError(err instanceof Error ? err.message : String(err));
  }
}

function oneLine(text: string): string {
  return text.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

function printHandset(number: string, messages: HandsetMessage[]): void {
  process.stdout.write(`${number}  (${messages.length} message${messages.length === 1 ? '' : 's'})\n`);
  for (const m of messages) {
    const when = m.received_at.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    const flags = [m.flash ? 'flash' : '', m.delivery_report_requested ? 'report' : ''].filter(Boolean).join(',');
    const meta = `${m.encoding.padEnd(4)} ${String(m.parts).padStart(2)} part${m.parts === 1 ? ' ' : 's'} ref ${m.references.join(',').padEnd(8)}`;
    process.stdout.write(`  ${when}  ${meta}${flags ? ` [${flags}]` : ''}  ${oneLine(m.text)}\n`);
  }
}

/** Builds the `kirim modem-sim` command and its subcommands. */
export function modemSimCommand(): Command {
  const cmd = new Command('modem-sim')
    .description('Simulated GSM modem speaking AT on stdin/stdout, for gammu-smsd (connection = proxyat)')
    // Lets each subcommand take its own --state after its name.
    .enablePositionalOptions()
    // Not mandatory here: commander would demand it of the subcommands too.
    .option('--state <dir>', 'state folder of the simulated modem (required)')
    .option('--log <file>', 'append a transcript of every AT line in and out (also env KIRIM_MODEM_SIM_LOG)')
    .option('--auto-report', 'answer every part that asks for a delivery report with "delivered", as a network would')
    .option('--pin <pin>', 'a SIM that waits for this PIN (AT+CPIN) before it sends or lists messages')
    .action(async (opts: { state?: string; log?: string; autoReport?: boolean; pin?: string }) => {
      if (!opts.state) throw new UserError("required option '--state <dir>' not specified");
      const stateDir = resolve(opts.state);
      const logFile = opts.log ?? process.env.KIRIM_MODEM_SIM_LOG;
      // gammu sends SIGHUP when it closes the connection: that is a normal end.
      for (const sig of ['SIGHUP', 'SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
      try {
        await serveModemSim({
          stateDir,
          input: process.stdin,
          output: process.stdout,
          ...(logFile ? { logFile: resolve(logFile) } : {}),
          ...(opts.autoReport ? { autoReport: true } : {}),
          ...(opts.pin !== undefined ? { simPin: opts.pin } : {}),
        });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EACCES' || code === 'ENOTDIR' || code === 'EROFS') {
          throw new UserError(`cannot use state folder ${stateDir}: ${(err as Error).message}`);
        }
        throw err;
      }
      process.exit(0);
    });

  cmd
    .command('inbox')
    .description('print what the virtual handsets received')
    .addOption(stateOption())
    .option('--number <number>', 'only this handset')
    .option('--json', 'print the raw records, one JSON object per line')
    .action((opts: { number?: string; json?: boolean }, sub: Command) => {
      const stateDir = stateDirOf(sub);
      if (!existsSync(stateDir)) throw new UserError(`state folder ${stateDir} does not exist`);
      const numbers = opts.number ? [opts.number] : listHandsets(stateDir);
      if (numbers.length === 0) process.stdout.write('no handset received anything yet\n');
      for (const n of numbers) {
        const messages = readHandset(stateDir, n);
        if (opts.json) for (const m of messages) process.stdout.write(JSON.stringify(m) + '\n');
        else printHandset(n, messages);
      }
    });

  cmd
    .command('inject')
    .description('deliver an inbound SMS to the modem (multipart when long)')
    .addOption(stateOption())
    .requiredOption('--from <number>', 'sender: +<digits>, digits or a name of up to 11 characters')
    .requiredOption('--text <text>', 'message text')
    .addOption(new Option('--encoding <encoding>', 'character set').choices(['auto', 'gsm7', 'ucs2']).default('auto'))
    .option('--flash', 'class 0 (flash) message')
    .action((opts: { from: string; text: string; encoding: 'auto' | 'gsm7' | 'ucs2'; flash?: boolean }, sub: Command) => {
      drop(stateDirOf(sub), { type: 'inject', from: opts.from, text: opts.text, encoding: opts.encoding, flash: !!opts.flash });
    });

  cmd
    .command('report')
    .description('deliver a delivery status report for a message reference (+CMGS: <mr>)')
    .addOption(stateOption())
    .requiredOption('--ref <mr>', 'message reference', int('--ref', 0, 255))
    .option('--failed', 'report a permanent failure instead of delivered')
    .option('--status <n>', 'raw TP-Status value (overrides --failed)', int('--status', 0, 255))
    .option('--to <number>', 'recipient in the report (default: where that reference went)')
    .action((opts: { ref: number; failed?: boolean; status?: number; to?: string }, sub: Command) => {
      const stateDir = stateDirOf(sub);
      if (!opts.to) {
        // Catch a typo early: a reference the modem never gave out.
        let known = false;
        try {
          const m = JSON.parse(readFileSync(statePaths(stateDir).modem, 'utf8')) as { references?: Record<string, string> };
          known = !!m.references?.[String(opts.ref)];
        } catch {
          known = false;
        }
        if (!known) throw new UserError(`no part was sent with message reference ${opts.ref}; pass --to to report it anyway`);
      }
      drop(stateDir, {
        type: 'report',
        reference: opts.ref,
        status: opts.status ?? (opts.failed ? 'failed' : 'delivered'),
        ...(opts.to ? { recipient: opts.to } : {}),
      });
    });

  cmd
    .command('fault')
    .description('set or clear faults; without a fault flag, print the faults in force')
    .addOption(stateOption())
    .option('--cms-error <code>', 'answer AT+CMGS with +CMS ERROR: <code>', int('--cms-error', 0, 999))
    .option('--no-answer', 'never answer AT+CMGS (gammu times out)')
    .option('--count <n>', 'only for the next <n> sends (default: until cleared)', int('--count', 1, 1_000_000))
    .option('--network-lost', 'drop the network registration (+CREG: 0,0); sends fail')
    .option('--network-ok', 'register to the network again')
    .option('--send-delay <ms>', 'wait this long before answering each part (real modems: 3000-10000)', int('--send-delay', 0, 60_000))
    .option('--clear', 'remove every fault')
    .action(
      (
        opts: {
          cmsError?: number;
          answer?: boolean;
          count?: number;
          networkLost?: boolean;
          networkOk?: boolean;
          sendDelay?: number;
          clear?: boolean;
        },
        sub: Command,
      ) => {
        const stateDir = stateDirOf(sub);
        if (opts.networkLost && opts.networkOk) throw new UserError('--network-lost and --network-ok contradict each other');
        const set: Partial<Faults> = {};
        const remaining = opts.count ?? null;
        if (opts.cmsError !== undefined) set.cmsError = { code: opts.cmsError, remaining };
        if (opts.answer === false) set.noAnswer = { remaining };
        if (opts.networkLost) set.networkLost = true;
        if (opts.networkOk) set.networkLost = false;
        if (opts.sendDelay !== undefined) set.sendDelayMs = opts.sendDelay;
        if (opts.count !== undefined && !set.cmsError && !set.noAnswer) {
          throw new UserError('--count applies to --cms-error or --no-answer');
        }
        if (opts.clear) {
          if (Object.keys(set).length) throw new UserError('--clear cannot be combined with other faults');
          drop(stateDir, { type: 'clear-faults' });
          return;
        }
        if (Object.keys(set).length) {
          drop(stateDir, { type: 'fault', set });
          return;
        }
        const pending = existsSync(statePaths(stateDir).control)
          ? readdirSync(statePaths(stateDir).control).filter((n) => n.endsWith('.json') && !n.startsWith('.')).length
          : 0;
        process.stdout.write(JSON.stringify(readFaults(stateDir)) + '\n');
        if (pending) process.stdout.write(`${pending} control command(s) not applied yet\n`);
      },
    );

  return cmd;
}
