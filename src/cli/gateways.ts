import { Command } from 'commander';
import { iso } from '../protocol/time.js';
import { createGateway, rotateGatewayToken } from '../server/credentials.js';
import { UserError } from './errors.js';
import { describeGateway, gatewayStatuses } from '../server/gateway-status.js';
import { checkName } from './keys.js';
import { configFrom, withServerOptions, withStore } from './shared-options.js';

/**
 * `kirim gateways create --name NAME`: registers a gateway and prints its token once.
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
      .requiredOption('--name <name>', 'a name for the gateway, e.g. rumah-pi')
      .action(async (flags) => {
        const name = checkName(flags.name);
        const { token } = await withStore(flags, (store) => createGateway(store, name));
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
