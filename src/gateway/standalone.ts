/**
 * Entry of dist/kirim-gateway.js, the gateway as one JavaScript file for a
 * Raspberry Pi (Node 18+, no native module): `node kirim-gateway.js` takes
 * the same flags and environment as `kirim gateway`, plus `doctor`.
 *
 * Flags are parsed with node:util's parseArgs rather than commander (which
 * `kirim` uses): the bundle runs on a Pi next to gammu-smsd, and a CLI
 * library would cost it memory for one flat list of flags (bench/gateway-memory.ts).
 */
import { parseArgs } from 'node:util';
import { LogLevelError } from '../protocol/log.js';
import { AGENT_OPTIONS, doctorMain, runAgent, GatewayUsageError, GATEWAY_VERSION, type GatewayFlags } from './run.js';

const SMSDRC = AGENT_OPTIONS.find((o) => o.flag === 'smsdrc')!;

function usage(): string {
  const rows: Array<[string, string]> = [
    ...AGENT_OPTIONS.map((o): [string, string] => [`--${o.flag} <${o.arg}>`, `${o.help}${o.default !== undefined ? ` (default: "${o.default}")` : ''} (env: ${o.env})`]),
    ['-V, --version', 'output the version number'],
    ['-h, --help', 'display help'],
  ];
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  return [
    'Usage: kirim-gateway [options]',
    '       kirim-gateway doctor --smsdrc <file>',
    '',
    'Kirim edge agent beside gammu-smsd',
    '',
    'Options:',
    ...rows.map(([f, h]) => `  ${f.padEnd(width)}${h}`),
    '',
    'Commands:',
    `  ${'doctor'.padEnd(width)}Check a gammu-smsd config for problems that break delivery`,
    '',
  ].join('\n');
}

/** Flags from argv, else from the environment, else the default. */
function parse(args: string[], options: readonly typeof AGENT_OPTIONS[number][]): { flags: GatewayFlags; help: boolean; version: boolean; positionals: string[] } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      ...Object.fromEntries(options.map((o) => [o.flag, { type: 'string' as const }])),
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'V' },
    },
  });
  const flags: GatewayFlags = {};
  for (const o of options) {
    const v = (values as Record<string, string | boolean | undefined>)[o.flag] as string | undefined ?? process.env[o.env] ?? o.default;
    if (v !== undefined) flags[o.key] = v;
  }
  return { flags, help: values.help === true, version: values.version === true, positionals };
}

/** Runs the standalone gateway CLI; sets process.exitCode (0, 1 user error, 2 fault). */
export async function standaloneMain(argv: string[]): Promise<void> {
  const args = argv.slice(2);
  try {
    if (args[0] === 'doctor') {
      const { flags, help } = parse(args.slice(1), [SMSDRC]);
      if (help) {
        process.stdout.write('Usage: kirim-gateway doctor --smsdrc <file>\n\nCheck a gammu-smsd config for problems that break delivery\n');
        return;
      }
      process.exitCode = await doctorMain(flags.smsdrc);
      return;
    }
    const { flags, help, version, positionals } = parse(args, AGENT_OPTIONS);
    if (help) return void process.stdout.write(usage());
    if (version) return void process.stdout.write(`${GATEWAY_VERSION}\n`);
    if (positionals.length) throw new GatewayUsageError(`unknown command "${positionals[0]}" (see --help)`);
    await runAgent(flags);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (err instanceof GatewayUsageError || err instanceof LogLevelError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      // parseArgs explains '--' at length after the first sentence; one line is enough here.
      process.stderr.write(`kirim-gateway: ${(err as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '')}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`kirim-gateway: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    }
  }
}

await standaloneMain(process.argv);
