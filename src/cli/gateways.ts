import { Command } from 'commander';
import { GATEWAY_TOKEN_PREFIX } from '../server/auth.js';
import { generateToken, hashToken } from '../server/crypto.js';
import { newId } from '../server/ids.js';
import { openStore } from '../server/store/index.js';
import { checkName } from './keys.js';
import { configFrom, describeDbError, withServerOptions } from './shared-options.js';

/** `kirim gateways create --name NAME`: registers a gateway and prints its token once. */
export function gatewaysCommand(): Command {
  const gws = new Command('gateways').description('Manage the gateways (Raspberry Pi agents) that may lease SMS');
  gws.addCommand(
    withServerOptions(new Command('create').description('Register a gateway and print its token (shown once)'))
      .requiredOption('--name <name>', 'a name for the gateway, e.g. rumah-pi')
      .action(async (flags) => {
        const name = checkName(flags.name);
        const config = configFrom(flags, { secret: false });
        const store = await openStore(config.db).catch((err) => {
          throw describeDbError(config.db, err);
        });
        try {
          const token = generateToken(GATEWAY_TOKEN_PREFIX);
          await store.insertGateway({ id: newId('gw'), name, token_hash: hashToken(token), prefix: token.slice(0, 7), created_at: Date.now(), revoked_at: null, last_seen_at: null, state: 'new', health: null });
          process.stdout.write(`${token}\n`);
        } finally {
          await store.close();
        }
      }),
  );
  gws.addCommand(
    withServerOptions(new Command('list').description('List gateways with their state and last heartbeat')).action(async (flags) => {
      const config = configFrom(flags, { secret: false });
      const store = await openStore(config.db).catch((err) => {
        throw describeDbError(config.db, err);
      });
      try {
        for (const g of await store.listGateways()) {
          const seen = g.last_seen_at ? new Date(g.last_seen_at).toISOString() : 'never';
          process.stdout.write(`${g.id}\t${g.name}\t${g.state}\tlast seen ${seen}\n`);
        }
      } finally {
        await store.close();
      }
    }),
  );
  return gws;
}
