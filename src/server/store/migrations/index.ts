/**
 * Database migrations, written with Kysely's schema builder so that one
 * schema serves SQLite and PostgreSQL. Each migration is appended, never
 * edited once released; `migrateToLatest` runs on every server start.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Dialect } from '../types.js';

function migrations(dialect: Dialect): Record<string, Migration> {
  // Epoch-millisecond times need 64 bits in PostgreSQL.
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    '0001_initial': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('api_keys')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('key_hash', 'text', (c) => c.notNull().unique())
          .addColumn('prefix', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('revoked_at', time)
          .execute();

        await db.schema
          .createTable('gateways')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('prefix', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('revoked_at', time)
          .addColumn('last_seen_at', time)
          .addColumn('state', 'text', (c) => c.notNull().defaultTo('new'))
          .addColumn('health', 'text')
          .execute();

        await db.schema
          .createTable('verifications')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('api_key_id', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('to', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('locale', 'text', (c) => c.notNull())
          .addColumn('code_hash', 'text', (c) => c.notNull())
          .addColumn('code_enc', 'text')
          .addColumn('ip', 'text')
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('expires_at', time, (c) => c.notNull())
          .addColumn('sends', 'integer', (c) => c.notNull())
          .addColumn('max_sends', 'integer', (c) => c.notNull())
          .addColumn('attempts_left', 'integer', (c) => c.notNull())
          .addColumn('next_resend_at', time, (c) => c.notNull())
          .addColumn('ended_at', time)
          .execute();
        await db.schema
          .createIndex('verifications_lookup')
          .on('verifications')
          .columns(['api_key_id', 'to', 'created_at'])
          .execute();
        // At most one pending verification per key, destination and channel:
        // two concurrent starts cannot both create one.
        await db.schema
          .createIndex('verifications_one_pending')
          .on('verifications')
          .columns(['api_key_id', 'to', 'channel'])
          .unique()
          .where(sql.ref('status'), '=', 'pending')
          .execute();

        await db.schema
          .createTable('messages')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('api_key_id', 'text')
          .addColumn('verification_id', 'text')
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('to', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('subject', 'text')
          .addColumn('priority', 'text', (c) => c.notNull())
          .addColumn('priority_rank', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .addColumn('expires_at', time, (c) => c.notNull())
          .addColumn('segments', 'integer')
          .addColumn('encoding', 'text')
          .addColumn('gateway_id', 'text')
          .addColumn('lease_until', time)
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', time, (c) => c.notNull())
          .addColumn('last_error', 'text')
          .execute();
        await db.schema
          .createIndex('messages_queue')
          .on('messages')
          .columns(['channel', 'status', 'priority_rank', 'created_at'])
          .execute();
        await db.schema.createIndex('messages_verification').on('messages').column('verification_id').execute();
        await db.schema.createIndex('messages_key_list').on('messages').columns(['api_key_id', 'id']).execute();

        await db.schema
          .createTable('message_events')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('at', time, (c) => c.notNull())
          .addColumn('detail', 'text')
          .execute();
        await db.schema.createIndex('message_events_message').on('message_events').columns(['message_id', 'id']).execute();

        await db.schema
          .createTable('idempotency_keys')
          .addColumn('api_key_id', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('fingerprint', 'text', (c) => c.notNull())
          .addColumn('status_code', 'integer', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addPrimaryKeyConstraint('idempotency_keys_pk', ['api_key_id', 'key'])
          .execute();

        await db.schema
          .createTable('inbound_sms')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('gateway_id', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('from', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('parts', 'integer', (c) => c.notNull())
          .addColumn('received_at', time, (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addUniqueConstraint('inbound_sms_gateway_key', ['gateway_id', 'key'])
          .execute();

        await db.schema
          .createTable('webhooks')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('api_key_id', 'text', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('events', 'text', (c) => c.notNull())
          .addColumn('secret_enc', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('disabled_at', time)
          .execute();

        await db.schema
          .createTable('webhook_deliveries')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('webhook_id', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('next_attempt_at', time, (c) => c.notNull())
          .addColumn('last_error', 'text')
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('webhook_deliveries_due')
          .on('webhook_deliveries')
          .columns(['state', 'next_attempt_at'])
          .execute();

        await db.schema
          .createTable('settings')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0003_key_scopes': {
      // What an API key may do beyond the application API: space-separated
      // scope names ('admin' opens GET /v1/gateways). Existing keys get
      // none and stay plain application keys.
      async up(db: Kysely<any>) {
        await db.schema.alterTable('api_keys').addColumn('scopes', 'text', (c) => c.notNull().defaultTo('')).execute();
      },
    },
    '0010_dashboard': {
      // The operator dashboard: its accounts, sessions and login throttle;
      // the gateways' heartbeat history; what each webhook attempt got back.
      async up(db: Kysely<any>) {
        const serial = (name: string) => (t: any) =>
          t.addColumn(name, dialect === 'postgres' ? 'bigserial' : 'integer', (c: any) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()));
        await db.schema
          .createTable('operators')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('username', 'text', (c) => c.notNull().unique())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('disabled_at', time)
          .execute();
        await db.schema
          .createTable('operator_sessions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('operator_id', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('last_seen_at', time, (c) => c.notNull())
          .addColumn('expires_at', time, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('operator_sessions_operator').on('operator_sessions').column('operator_id').execute();
        await serial('id')(db.schema.createTable('login_attempts'))
          .addColumn('key', 'text', (c: any) => c.notNull())
          .addColumn('at', time, (c: any) => c.notNull())
          .execute();
        await db.schema.createIndex('login_attempts_key').on('login_attempts').columns(['key', 'at']).execute();
        await db.schema
          .createTable('gateway_heartbeats')
          .addColumn('gateway_id', 'text', (c) => c.notNull())
          .addColumn('at', time, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('gateway_heartbeats_gateway').on('gateway_heartbeats').columns(['gateway_id', 'at']).execute();
        await db.schema.createIndex('gateway_heartbeats_at').on('gateway_heartbeats').column('at').execute();
        await db.schema.alterTable('webhook_deliveries').addColumn('response_status', 'integer').execute();
        await db.schema.alterTable('webhook_deliveries').addColumn('latency_ms', 'integer').execute();
        await db.schema.alterTable('webhook_deliveries').addColumn('response_excerpt', 'text').execute();
        // The dashboard lists deliveries per webhook, newest first.
        await db.schema.createIndex('webhook_deliveries_webhook').on('webhook_deliveries').columns(['webhook_id', 'created_at']).execute();
        // Overview and search read messages and verifications by creation time.
        await db.schema.createIndex('messages_created').on('messages').column('created_at').execute();
        await db.schema.createIndex('verifications_created').on('verifications').column('created_at').execute();
        await db.schema.createIndex('message_events_at').on('message_events').column('at').execute();
      },
    },
    '0011_guess_failures': {
      // Failed code checks per destination, shared by every API key and
      // instance (the guess limit, verification/guesses.ts).
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('guess_failures')
          .addColumn('to', 'text', (c) => c.primaryKey())
          .addColumn('failures', 'integer', (c) => c.notNull())
          .addColumn('locked_until', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .execute();
      },
    },
    '0012_budgets': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('budget_counters')
          .addColumn('bucket', 'text', (c) => c.notNull())
          .addColumn('window_start', time, (c) => c.notNull())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addColumn('expires_at', time, (c) => c.notNull())
          .addPrimaryKeyConstraint('budget_counters_pk', ['bucket', 'window_start'])
          .execute();
        await db.schema.createIndex('budget_counters_expires').on('budget_counters').column('expires_at').execute();
        await db.schema
          .createTable('budget_members')
          .addColumn('bucket', 'text', (c) => c.notNull())
          .addColumn('window_start', time, (c) => c.notNull())
          .addColumn('member', 'text', (c) => c.notNull())
          .addColumn('expires_at', time, (c) => c.notNull())
          .addPrimaryKeyConstraint('budget_members_pk', ['bucket', 'window_start', 'member'])
          .execute();
        await db.schema.createIndex('budget_members_expires').on('budget_members').column('expires_at').execute();
        // The fair-share lease ranks queued SMS per API key.
        await db.schema.createIndex('messages_queue_by_key').on('messages').columns(['channel', 'status', 'api_key_id', 'priority_rank', 'created_at']).execute();
      },
    },
    '0013_tenants': {
      // Tenants kept apart (docs/security.md, "Tenants and scopes"): every
      // key's scopes spelled out, an optional expiry, and an owner for each
      // inbound SMS.
      async up(db: Kysely<any>) {
        // Keys from before scopes could use the whole application API
        // (`admin` was on top of it): they keep exactly that.
        await sql`update api_keys set scopes = trim(${'verify messages webhooks '} || scopes)`.execute(db);
        await db.schema.alterTable('api_keys').addColumn('expires_at', time).execute();
        await db.schema.alterTable('inbound_sms').addColumn('api_key_id', 'text').execute();
        await db.schema.createIndex('inbound_sms_owner').on('inbound_sms').columns(['api_key_id', 'id']).execute();
        // Finding an inbound SMS's owner reads the newest SMS to its sender.
        await db.schema.createIndex('messages_to').on('messages').columns(['to', 'created_at']).execute();
      },
    },
    '0014_otp_queue': {
      // The lease reads each key's waiting OTPs without walking its other messages.
      async up(db: Kysely<any>) {
        await db.schema
          .createIndex('messages_otp_queue_by_key')
          .on('messages')
          .columns(['channel', 'status', 'api_key_id', 'priority_rank', 'created_at'])
          .where(sql.ref('verification_id'), 'is not', null)
          .execute();
      },
    },
    '0015_claims': {
      // A gateway claims a leased SMS before writing it to gammu's outbox
      // (docs/gateway-protocol.md, "Claims"): a claimed message is never
      // requeued when its lease lapses, so it cannot reach a second gateway.
      async up(db: Kysely<any>) {
        await db.schema.alterTable('messages').addColumn('claimed_at', time).execute();
      },
    },
    '0016_gateway_routing': {
      // Routing (src/server/routing): a gateway's pins (number prefixes,
      // countries), the reliability monitor's circuit breaker, why the
      // router holds a gateway back; on each message the route it was given.
      async up(db: Kysely<any>) {
        await db.schema.alterTable('gateways').addColumn('route_prefixes', 'text', (c) => c.notNull().defaultTo('')).execute();
        await db.schema.alterTable('gateways').addColumn('route_countries', 'text', (c) => c.notNull().defaultTo('')).execute();
        await db.schema.alterTable('gateways').addColumn('rotation', 'text', (c) => c.notNull().defaultTo('in')).execute();
        await db.schema.alterTable('gateways').addColumn('rotation_since', time).execute();
        await db.schema.alterTable('gateways').addColumn('rotation_reason', 'text').execute();
        await db.schema.alterTable('gateways').addColumn('route_block', 'text').execute();
        await db.schema.alterTable('messages').addColumn('route', 'text').execute();
        // The lease reads each (route, key) pair's queue; the route comes
        // before the key so the keys with work on a route are read off the
        // index (a skip-scan) and a dead route's messages are found at once.
        await db.schema.dropIndex('messages_queue_by_key').execute();
        await db.schema.dropIndex('messages_otp_queue_by_key').execute();
        await db.schema
          .createIndex('messages_route_queue')
          .on('messages')
          .columns(['channel', 'status', 'route', 'api_key_id', 'priority_rank', 'created_at'])
          .execute();
        await db.schema
          .createIndex('messages_route_otp_queue')
          .on('messages')
          .columns(['channel', 'status', 'route', 'api_key_id', 'priority_rank', 'created_at'])
          .where(sql.ref('verification_id'), 'is not', null)
          .execute();
      },
    },
    '0017_route_plain_queue': {
      // The lease's read of a key's plain SMS (not OTPs) gets its own index:
      // on the full one it walked past every queued OTP of that key first
      // (OTPs rank first), more of them the deeper the queue
      // (bench/queue-depth.ts).
      async up(db: Kysely<any>) {
        await db.schema
          .createIndex('messages_route_plain_queue')
          .on('messages')
          .columns(['channel', 'status', 'route', 'api_key_id', 'priority_rank', 'created_at'])
          .where(sql.ref('verification_id'), 'is', null)
          .execute();
      },
    },
    '0018_app_settings': {
      // Per API key OTP settings (docs/otp-texts.md): the web origin and
      // Android app hash of the autofill lines, a default locale, and the
      // key's own templates (JSON text, checked when saved).
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('app_settings')
          .addColumn('api_key_id', 'text', (c) => c.primaryKey())
          .addColumn('web_origin', 'text')
          .addColumn('android_app_hash', 'text')
          .addColumn('default_locale', 'text')
          .addColumn('templates', 'text', (c) => c.notNull().defaultTo('{}'))
          .addColumn('updated_at', time, (c) => c.notNull())
          .execute();
      },
    },
    '0019_reverse_otp': {
      // Reverse OTP (docs/reverse-otp.md): how a verification is proven
      // (`send`: Kirim sends the code; `reverse`: the person texts it to a
      // gateway's number), each gateway's own number, and the index an
      // inbound SMS is matched by: pending reverse verifications by sender.
      async up(db: Kysely<any>) {
        await db.schema.alterTable('verifications').addColumn('method', 'text', (c) => c.notNull().defaultTo('send')).execute();
        await db.schema.alterTable('gateways').addColumn('number', 'text').execute();
        await db.schema
          .createIndex('verifications_reverse_pending')
          .on('verifications')
          .columns(['to', 'created_at'])
          .where(sql.ref('status'), '=', 'pending')
          .where(sql.ref('method'), '=', 'reverse')
          .execute();
      },
    },
    '0020_message_text_enc': {
      // A message whose caller named a code inside its text (Supabase's
      // send-SMS hook, the integration endpoints) keeps the text as sent
      // only encrypted; `text` holds it with the code masked.
      async up(db: Kysely<any>) {
        await db.schema.alterTable('messages').addColumn('text_enc', 'text').execute();
      },
    },
    '0021_fallback': {
      // Fallback (docs/fallback.md): a verification's further channels, the
      // one its code is on now, since when; the loop that moves codes on
      // reads the pending ones that have somewhere left to go.
      async up(db: Kysely<any>) {
        await db.schema.alterTable('verifications').addColumn('fallback', 'text').execute();
        await db.schema.alterTable('verifications').addColumn('hop', 'integer', (c) => c.notNull().defaultTo(0)).execute();
        await db.schema.alterTable('verifications').addColumn('hop_since', time).execute();
        await db.schema
          .createIndex('verifications_fallback_pending')
          .on('verifications')
          .column('created_at')
          .where(sql.ref('status'), '=', 'pending')
          .where(sql.ref('fallback'), 'is not', null)
          .execute();
      },
    },
    '0022_integrations': {
      // Sign-in systems that call Kirim with a secret of their own
      // (Supabase's send-SMS hook): each bound to an API key, its signing
      // secret encrypted under the server secret.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('integrations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('api_key_id', 'text', (c) => c.notNull())
          .addColumn('secret_enc', 'text', (c) => c.notNull())
          .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('revoked_at', time)
          .execute();
      },
    },
  };
}

/**
 * True when every migration is recorded as applied: then the Migrator, whose
 * table check reads every schema in the database, need not run at all.
 */
async function applied(db: Kysely<any>, names: string[]): Promise<boolean> {
  try {
    const rows = (await sql<{ name: string }>`select name from kirim_migrations`.execute(db)).rows;
    const have = new Set(rows.map((r) => r.name));
    return names.every((n) => have.has(n));
  } catch {
    return false; // no table yet: a new database
  }
}

/** The names of every migration, in the order they were written. */
export const migrationNames = (dialect: Dialect): string[] => Object.keys(migrations(dialect));

/**
 * Brings the schema up to date; safe to run concurrently from several
 * servers on PostgreSQL: Kysely's Migrator holds a PostgreSQL advisory lock
 * (`pg_advisory_lock`, one key for the database) while it reads what ran
 * and runs the rest, so of two servers started at once on an empty schema
 * one migrates and the other, once it holds the lock, finds nothing left
 * (test/instances-migrate.test.ts).
 */
export async function migrateToLatest(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const all = migrations(dialect);
  if (await applied(db, Object.keys(all))) return;
  const provider: MigrationProvider = { getMigrations: async () => all };
  // Kysely looks for its bookkeeping tables across all schemas; name ours
  // explicitly so a database holding several Kirim schemas stays correct.
  const schema =
    dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s : undefined;
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'kirim_migrations',
    migrationLockTableName: 'kirim_migrations_lock',
    // Migrations written side by side may land out of name order; each is
    // additive, so one that arrives after a later-named one still runs.
    allowUnorderedMigrations: true,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely's table check reads every schema of the database; one dropped
  // meanwhile by someone else (another Kirim schema, tests) fails it with
  // "schema ... does not exist" (3F000). Nothing ran yet: try again.
  //
  // Under many test processes creating and dropping schemas in one database
  // at once, a run has also failed naming a column of its own tables as
  // missing (42703), with no migration reported failed; the cause is not
  // established. PostgreSQL runs the pending migrations in one transaction
  // that rolled back, and the Migrator reads what did run, so running again
  // is safe.
  const transient = (e: unknown) => {
    const code = (e as { code?: string }).code;
    return (code === '3F000' && !results?.length && !String((e as Error).message).includes(`"${schema}"`)) || (code === '42703' && !results?.some((r) => r.status === 'Error'));
  };
  for (let i = 1; i <= 10 && error && dialect === 'postgres' && transient(error); i++) {
    await new Promise((r) => setTimeout(r, 10 * i));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
