import { Command } from 'commander';
import { createGateway } from '../server/credentials.js';
import { checkName } from './keys.js';
import { withServerOptions, withStore } from './shared-options.js';

/** `kirim gateways create --name NAME`: registers a gateway and prints its token once. */
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
    withServerOptions(new Command('list').description('List gateways with their state and last heartbeat')).action(async (flags) => {
      const gateways = await withStore(flags, (store) => store.listGateways());
      for (const g of gateways) {
        const seen = g.last_seen_at ? new Date(g.last_seen_at).toISOString() : 'never';
        process.stdout.write(`${g.id}\t${g.name}\t${g.state}\tlast seen ${seen}\n`);
      }
    }),
  );
  return gws;
}
