/**
 * Seed compatibility: writes every SMS as a plain gammu outbox file into a
 * folder on the server (`KIRIM_SEED_OUTBOX`, e.g. the seed's
 * `/var/lib/aplikasi-saya/smsout/`), so the seed's unchanged
 * `cron` + `rsync --remove-source-files` deployment carries it to the
 * Raspberry Pi. No status comes back this way: messages stop at `spooled`
 * (see docs/seed-compat.md for the limits against the gateway).
 *
 * Exactly once, even across a crash: each file is first written into a
 * staging folder beside the outbox folder (outside what rsync copies), then
 * the message is marked `spooled`, then the file is renamed into the folder.
 * On start, staged files of spooled messages are moved in; staged files of
 * messages that were never marked, and temp files of an interrupted write,
 * are deleted (their lease lapses and they are written again). Names, text
 * and the atomic write are gammu's file format from src/gammu, the same as
 * the gateway's.
 */
import { mkdirSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../../../gammu/atomic-write.js';
import { buildOutboxName, parseOutboxName } from '../../../gammu/names.js';
import { encodeOutboxText } from '../../../gammu/text.js';
import type { ServerContext } from '../../context.js';
import { createServerLoop } from '../../loop.js';
import type { MessageService } from '../../messages/service.js';
import type { MessageRow } from '../../store/index.js';

/** The pseudo-gateway id that holds the leases of this channel. */
export const SEED_OUTBOX_GATEWAY = 'seed-outbox';

export interface SeedOutboxWriter {
  start(): void;
  stop(): Promise<void>;
  /** One pass: recover staged files, write what is queued, withdraw what expired. */
  runOnce(): Promise<void>;
  readonly dir: string;
}

export function createSeedOutboxWriter(ctx: ServerContext, messages: MessageService, dirIn: string): SeedOutboxWriter {
  const dir = resolve(dirIn);
  const staging = join(dirname(dir), `.${basename(dir)}.kirim-staging`);
  const withdrawn = join(dirname(dir), `.${basename(dir)}.kirim-withdrawn`);
  mkdirSync(dir, { recursive: true });
  mkdirSync(staging, { recursive: true });
  mkdirSync(withdrawn, { recursive: true });
  let serial = 0;
  let recovered = false;

  async function recover() {
    for (const name of readdirSync(staging)) {
      const parsed = parseOutboxName(name);
      const row = parsed ? await ctx.store.getMessage(parsed.token) : undefined;
      if (row && row.status === 'spooled' && row.gateway_id === SEED_OUTBOX_GATEWAY) renameSync(join(staging, name), join(dir, name));
      else unlinkSync(join(staging, name));
    }
  }

  async function write(row: MessageRow) {
    const d = await messages.deliverable(row);
    const now = ctx.now();
    if ('drop' in d) {
      await messages.transition({ id: row.id, from: ['dispatched'], to: d.drop, at: now, detail: d.detail });
      return;
    }
    const name = buildOutboxName({
      priority: row.priority,
      createdAt: new Date(now),
      serial: serial++ % 100,
      to: row.to,
      messageId: row.id,
      deliveryReport: false,
    });
    await writeFileAtomic(staging, name, encodeOutboxText(d.text));
    const marked = await messages.transition({
      id: row.id,
      from: ['dispatched'],
      to: 'spooled',
      at: now,
      detail: `written to ${dir} as ${name}; the seed's rsync carries it to gammu (no status comes back in this mode)`,
      gatewayId: SEED_OUTBOX_GATEWAY,
      set: { lease_until: null },
    });
    if (marked) renameSync(join(staging, name), join(dir, name));
    else unlinkSync(join(staging, name));
  }

  /** Files still waiting in the folder after their message expired are taken back. */
  async function withdrawExpired() {
    const now = ctx.now();
    for (const name of readdirSync(dir)) {
      const parsed = parseOutboxName(name);
      if (!parsed) continue;
      const row = await ctx.store.getMessage(parsed.token);
      if (!row || row.expires_at > now || row.status !== 'spooled') continue;
      try {
        renameSync(join(dir, name), join(withdrawn, name));
      } catch {
        continue; // rsync took it first: it is on its way and stays spooled
      }
      await messages.transition({ id: row.id, from: ['spooled'], to: 'expired', at: now, detail: 'expired while waiting in the seed outbox folder; withdrawn before rsync took it' });
    }
  }

  /** Writes what is queued, then withdraws what expired; a failure ends the pass for the loop to retry (a message whose write failed stays leased and returns to the queue when its lease lapses). */
  async function drain() {
    if (!recovered) {
      await recover();
      recovered = true;
    }
    for (;;) {
      const now = ctx.now();
      const rows = await messages.lease({ gatewayId: SEED_OUTBOX_GATEWAY, max: 50, now, leaseUntil: now + ctx.config.leaseSeconds * 1000 });
      if (rows.length === 0) break;
      for (const row of rows) await write(row);
    }
    await withdrawExpired();
  }

  const loop = createServerLoop(ctx, 'seed-outbox', 1_000, drain);
  const wake = () => loop.wake();

  return {
    dir,
    runOnce: drain,
    start() {
      ctx.bus.on('queue:sms', wake);
      loop.start();
    },
    async stop() {
      ctx.bus.off('queue:sms', wake);
      await loop.stop();
    },
  };
}
