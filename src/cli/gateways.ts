import { Command } from 'commander';
import { iso } from '../protocol/time.js';
import { createGateway, rotateGatewayToken } from '../server/credentials.js';
import { UserError } from './errors.js';
import { describeGateway, gatewayStatus, gatewayStatuses } from '../server/gateway-status.js';
import { PinError, describePins, parseCountries, parsePrefixes, pinColumns, type Pins } from '../server/routing/pins.js';
import { checkName } from './keys.js';
import { normalizeGatewayNumber, type PhoneRules } from '../server/destinations.js';
import { ApiError } from '../server/errors.js';
import { configFrom, withServerOptions, withStore } from './shared-options.js';

/** The pins given by --prefix and --country, checked; a bad one is a UserError naming it. */
function pinsFrom(flags: { prefix?: string[]; country?: string[] }, defaultRegion: string): Pins {
  try {
    return { prefixes: parsePrefixes(flags.prefix ?? [], defaultRegion), countries: parseCountries(flags.country ?? []) };
  } catch (err) {
    if (err instanceof PinError) throw new UserError(err.message);
    throw err;
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A --number value as E.164, or a UserError naming what is wrong with it. */
function numberFrom(raw: string, rules: PhoneRules): string {
  try {
    return normalizeGatewayNumber(raw, rules);
  } catch (err) {
    if (err instanceof ApiError) throw new UserError(err.detail);
    throw err;
  }
}

/**
 * `kirim gateways create NAME [--prefix +62811,+62812] [--country ID]`
 * (or --name NAME): registers a gateway, pinned when asked, and prints its token once.
 * `kirim gateways route ID --prefix ... --country ... | --any`: changes its pins.
 * `kirim gateways number ID NUMBER | --none`: sets (or forgets) the SIM's own
 * number, which reverse OTP shows (`create --number` sets it at once).
 * `kirim gateways list [--json]`: each gateway's state now (online/offline from the
 * last time it was heard from, KIRIM_GATEWAY_OFFLINE_SECONDS) and its modem's
 * health from the last heartbeat; the same as GET /v1/gateways.
 * `kirim gateways revoke ID`: the gateway's token is refused from its next
 * request; an open long-poll answers 401 at once on PostgreSQL (the store
 * announces the change to every server), within a second on SQLite (the
 * server re-checks it; POST /v1/gateways/{id}/revoke there ends it at once).
 * `kirim gateways rotate ID`: prints a new token once; the old one is
 * refused the same way.
 */
export function gatewaysCommand(): Command {
  const gws = new Command('gateways').description('Manage the gateways (Raspberry Pi agents) that may lease SMS');
  gws.addCommand(
    withServerOptions(new Command('create').description('Register a gateway and print its token (shown once)'))
      .argument('[name]', 'a name for the gateway, e.g. rumah-pi (or --name)')
      .option('--name <name>', 'a name for the gateway, e.g. rumah-pi')
      .option('--prefix <prefixes>', 'take only SMS to numbers starting so (E.164, comma-separated, e.g. +62811,+62812); repeatable', collect)
      .option('--country <codes>', 'take only SMS to these countries (ISO 3166, comma-separated, e.g. ID); repeatable', collect)
      .option('--number <number>', "the SIM's own phone number, shown to people who text a reverse OTP (docs/reverse-otp.md), e.g. +6281311112222")
      .action(async (positional: string | undefined, flags) => {
        if (positional !== undefined && flags.name !== undefined && positional !== flags.name) throw new UserError(`two names given (${JSON.stringify(positional)} and --name ${JSON.stringify(flags.name)}); give one`);
        const raw = positional ?? flags.name;
        if (raw === undefined) throw new UserError('a gateway name is required: kirim gateways create NAME (e.g. rumah-pi)');
        const name = checkName(raw);
        const config = configFrom(flags, { create: false });
        const pins = pinsFrom(flags, config.defaultRegion);
        const number = flags.number !== undefined ? numberFrom(flags.number, config) : undefined;
        const { token } = await withStore(flags, (store) => createGateway(store, name, pins, number));
        process.stdout.write(`${token}\n`);
      }),
  );
  gws.addCommand(
    withServerOptions(new Command('list').description('List gateways: online or offline now, last seen, modem health (signal, network, errors) and spool'))
      .option('--json', 'print the list as JSON, as GET /v1/gateways answers it')
      .action(async (flags) => {
        const config = configFrom(flags, { create: false });
        const rows = await withStore(flags, (store) => store.listGateways());
        const statuses = gatewayStatuses(rows, Date.now(), config.gatewayOfflineSeconds);
        if (flags.json) {
          process.stdout.write(JSON.stringify({ data: statuses }, null, 2) + '\n');
          return;
        }
        if (statuses.length === 0) process.stderr.write('no gateways yet: register one with `kirim gateways create --name NAME`\n');
        for (const g of statuses) process.stdout.write([g.id, g.name, ...describeGateway(g)].join('\t') + '\n');
      }),
  );
  gws.addCommand(
    withServerOptions(new Command('route').description('Pin a gateway to number prefixes and/or countries, or unpin it (--any); queued SMS follow within a second'))
      .argument('<id>', 'the gateway id, as `kirim gateways list` shows it')
      .option('--prefix <prefixes>', 'E.164 number prefixes, comma-separated, e.g. +62811,+62812,+62813 (Telkomsel); repeatable', collect)
      .option('--country <codes>', 'ISO 3166 country codes, comma-separated, e.g. ID; repeatable', collect)
      .option('--any', 'unpin: take any number no eligible pinned gateway takes')
      .action(async (id: string, flags) => {
        const given = flags.prefix !== undefined || flags.country !== undefined;
        if (flags.any && given) throw new UserError('--any unpins the gateway; give it alone, or --prefix/--country without it');
        if (!flags.any && !given) throw new UserError('say where the gateway sends: --prefix +62811,... and/or --country ID, or --any');
        const pins = flags.any ? { prefixes: [], countries: [] } : pinsFrom(flags, configFrom(flags, { create: false }).defaultRegion);
        const row = await withStore(flags, async (store) => {
          const gw = await store.getGateway(id);
          if (!gw || gw.revoked_at !== null) return undefined;
          await store.updateGateway(id, pinColumns(pins));
          return { ...gw, ...pinColumns(pins) };
        });
        if (!row) throw new UserError(`no active gateway with id ${JSON.stringify(id)}; see kirim gateways list`);
        const status = gatewayStatus(row, Date.now(), configFrom(flags, { create: false }).gatewayOfflineSeconds);
        process.stdout.write(`${row.id} (${row.name}) pins: ${describePins(status.pins)}\n`);
      }),
  );
  gws.addCommand(
    withServerOptions(new Command('number').description("Set the SIM's own phone number (shown to people who text a reverse OTP), or forget it (--none)"))
      .argument('<id>', 'the gateway id, as `kirim gateways list` shows it')
      .argument('[number]', 'the number, national or E.164, e.g. +6281311112222')
      .option('--none', 'forget the number: the gateway is no longer offered for reverse OTP')
      .action(async (id: string, raw: string | undefined, flags) => {
        if (flags.none && raw !== undefined) throw new UserError('--none forgets the number; give it alone, or a number without it');
        if (!flags.none && raw === undefined) throw new UserError('give the number (e.g. kirim gateways number ID +6281311112222), or --none');
        const number = raw !== undefined ? numberFrom(raw, configFrom(flags, { create: false })) : null;
        const row = await withStore(flags, async (store) => {
          const gw = await store.getGateway(id);
          if (!gw || gw.revoked_at !== null) return undefined;
          await store.updateGateway(id, { number });
          return gw;
        });
        if (!row) throw new UserError(`no active gateway with id ${JSON.stringify(id)}; see kirim gateways list`);
        process.stdout.write(`${row.id} (${row.name}) number: ${number ?? 'not set'}\n`);
      }),
  );
  gws.addCommand(
    withServerOptions(new Command('revoke').description('Revoke a gateway at once: its token gets 401, its open long-poll ends'))
      .argument('<id>', 'the gateway id, as `kirim gateways list` shows it')
      .action(async (id: string, flags) => {
        const row = await withStore(flags, (store) => store.revokeGateway(id, Date.now()));
        if (!row) throw new UserError(`no gateway with id ${JSON.stringify(id)}; see kirim gateways list`);
        process.stdout.write(`revoked ${row.id} (${row.name}) at ${iso(row.revoked_at!)}\n`);
      }),
  );
  gws.addCommand(
    withServerOptions(new Command('rotate').description('Print a new token for a gateway (shown once); the old token gets 401 at once'))
      .argument('<id>', 'the gateway id, as `kirim gateways list` shows it')
      .action(async (id: string, flags) => {
        const rotated = await withStore(flags, (store) => rotateGatewayToken(store, id));
        if (!rotated) throw new UserError(`no active gateway with id ${JSON.stringify(id)}; see kirim gateways list`);
        process.stdout.write(`${rotated.token}\n`);
      }),
  );
  return gws;
}
