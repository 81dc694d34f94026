/**
 * Messages: creation (with SMS encoding analysis), state changes with their
 * history, the API view, and the text actually handed to a channel (where an
 * OTP's masked code is filled in from the verification's ciphertext).
 *
 * This service is the one path for every message state change: creation
 * (`insert`), leasing to a gateway (`lease`) and every later change
 * (`transition`), and a gateway's claim of a leased SMS (`claim`,
 * `leaseClaimed`). Each runs in a transaction that also records the event
 * history and enqueues the webhook event (outbox.ts), and keeps the
 * message's verification in step; in-process signals follow the commit.
 * Nothing else in the server calls the store's `insertMessage`,
 * `transition`, `leaseSms`, `claimSms` or `leaseClaimedAgain`
 * (one-path.test.ts checks it).
 */
import { providerRoute } from '../channels/provider/config.js';
import { MODEM } from '../routing/rules.js';
import type { Channel, Message, Priority } from '../../protocol/api.js';
import { iso } from '../../protocol/time.js';
import { ApiError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { ServerContext } from '../context.js';
import type { Outbox } from '../outbox.js';
import type { LeaseRecipients, MessageEventRow, MessageRow, MessageStatus, Repo, Transition } from '../store/index.js';
import { syncWithMessage } from '../verification/end.js';
import { MAX_SMS_SEGMENTS, analyzeSms, maskCode } from './sms-text.js';
import { fillMaskedCode } from './otp-template.js';

export const PRIORITY_RANK: Record<Priority, number> = { high: 0, normal: 1, low: 2 };

/** Default lifetime of a plain message. */
export const DEFAULT_MESSAGE_TTL_SECONDS = 86_400;

export interface NewMessage {
  apiKeyId: string | null;
  to: string;
  channel: Channel;
  text: string;
  subject?: string | null;
  priority: Priority;
  expiresAt: number;
  verificationId?: string | null;
  /**
   * A one-time code inside `text` that someone else generated (Supabase's
   * send-SMS hook, an integration endpoint): stored masked in `text`, the
   * text as sent kept only encrypted and filled back in by `deliverable`.
   */
  code?: string;
  /** Why it was created, recorded on the first event. */
  detail?: string;
  /** An SMS's channel chosen by the caller (a verification's fallback): `modem` or a provider id; absent, the routing rules choose. */
  via?: string;
}

/** The API representation of a message. */
export function messageView(row: MessageRow, events: MessageEventRow[]): Message {
  return {
    id: row.id,
    to: row.to,
    channel: row.channel,
    status: row.status,
    priority: row.priority,
    created_at: iso(row.created_at),
    expires_at: iso(row.expires_at),
    text: row.text,
    ...(row.subject ? { subject: row.subject } : {}),
    ...(row.segments != null ? { segments: row.segments } : {}),
    ...(row.encoding ? { encoding: row.encoding } : {}),
    ...(row.gateway_id && row.channel === 'sms' ? { gateway: row.gateway_id } : {}),
    ...(row.verification_id ? { verification_id: row.verification_id } : {}),
    events: events.map((e) => ({
      status: e.status,
      at: iso(e.at),
      ...(e.detail ? { detail: e.detail } : {}),
    })),
  };
}

export type MessageService = ReturnType<typeof createMessageService>;

/** The detail of a new message's first event. */
const insertDetail = (input: Pick<NewMessage, 'detail'>) => input.detail ?? 'accepted';

/** How a new SMS gets its route (routing/router.ts); without one, every SMS may go to any unpinned gateway. */
export interface RouteSource {
  routeFor(to: string, repo: Repo, priority: Priority): Promise<string | null>;
  modemRouteFor(to: string, repo: Repo): Promise<string | null>;
}

export function createMessageService(ctx: ServerContext, outbox: Outbox, router?: RouteSource) {
  const { store } = ctx;

  /**
   * The stored text of a new message: as given, or, when it carries a
   * caller's code, masked (every occurrence) with the text as sent sealed
   * under the message's id.
   */
  function withCode(id: string, { text, code }: Pick<NewMessage, 'text' | 'code'>): Pick<MessageRow, 'text' | 'text_enc'> {
    if (code === undefined) return { text, text_enc: null };
    if (!code || !text.includes(code)) throw new ApiError(400, 'validation_failed', '`code` must appear in `text`');
    return { text: text.split(code).join(maskCode(code)), text_enc: ctx.keyring.encrypt(id, text) };
  }

  /** Builds the row for a new message; throws 422 when an SMS would be too long. */
  function build(input: NewMessage, now: number): MessageRow {
    let segments: number | null = null;
    let encoding: MessageRow['encoding'] = null;
    if (input.channel === 'sms') {
      const a = analyzeSms(input.text);
      if (a.segments > MAX_SMS_SEGMENTS) {
        throw new ApiError(422, 'text_too_long', `the text needs ${a.segments} SMS parts (${a.encoding}); at most ${MAX_SMS_SEGMENTS} are allowed`);
      }
      segments = a.segments;
      encoding = a.encoding;
    }
    const id = newId('msg', now);
    return {
      id,
      api_key_id: input.apiKeyId,
      verification_id: input.verificationId ?? null,
      channel: input.channel,
      to: input.to,
      ...withCode(id, input),
      subject: input.subject ?? null,
      priority: input.priority,
      priority_rank: PRIORITY_RANK[input.priority],
      status: 'queued',
      created_at: now,
      updated_at: now,
      expires_at: input.expiresAt,
      segments,
      encoding,
      gateway_id: null,
      lease_until: null,
      claimed_at: null,
      route: null,
      attempts: 0,
      next_attempt_at: now,
      last_error: null,
    };
  }

  return {
    build,

    /** Stores a new queued message (inside `repo`'s transaction when given); its channel is woken after the commit. */
    async insert(input: NewMessage, repo: Repo = store, now = ctx.now()): Promise<MessageRow> {
      const row = build(input, now);
      await repo.transaction(async (tx) => {
        if (row.channel === 'sms' && router) {
          row.route = input.via === undefined ? await router.routeFor(row.to, tx, row.priority) : input.via === MODEM ? await router.modemRouteFor(row.to, tx) : providerRoute(input.via);
        }
        await tx.insertMessage(row, insertDetail(input));
        await outbox.messageChanged(tx, row, null);
      });
      return row;
    },

    /**
     * The API view of a message `insert` just stored, from what it wrote
     * (the row and its one event) instead of reading both back: the same
     * answer as `get` inside the same transaction, for two queries fewer
     * on the accept path.
     */
    insertedView(row: MessageRow, input: NewMessage): Message {
      return messageView(row, [{ id: 0, message_id: row.id, status: row.status, at: row.created_at, detail: insertDetail(input) }]);
    },

    /** Leases up to `max` queued SMS on `routes` to a gateway (queued → dispatched). */
    async lease(q: { gatewayId: string; max: number; now: number; leaseUntil: number; recipients?: LeaseRecipients; routes?: Array<string | null>; due?: boolean }): Promise<MessageRow[]> {
      return store.transaction(async (tx) => {
        const rows = await tx.leaseSms(q);
        for (const row of rows) await outbox.messageChanged(tx, row, `leased to ${q.gatewayId.startsWith('provider:') ? '' : 'gateway '}${q.gatewayId}`);
        return rows;
      });
    },

    /**
     * Claims an SMS for the gateway about to write it (see the store's
     * `claimSms`). Undefined when it is not that gateway's to write.
     */
    async claim(q: { id: string; gatewayId: string; now: number; leaseUntil: number }, repo: Repo = store): Promise<MessageRow | undefined> {
      return repo.transaction(async (tx) => {
        const got = await tx.claimSms(q);
        if (got?.requeued) await outbox.messageChanged(tx, got.row, `claimed by gateway ${q.gatewayId} after its lease lapsed`);
        return got?.row;
      });
    },

    /** Leases claimed SMS whose lease lapsed to the gateway that claimed them (they go nowhere else). */
    async leaseClaimed(q: { gatewayId: string; max: number; now: number; leaseUntil: number }): Promise<MessageRow[]> {
      return store.transaction(async (tx) => {
        const rows = await tx.leaseClaimedAgain(q);
        for (const row of rows) await outbox.messageChanged(tx, row, `leased again to gateway ${q.gatewayId}, which claimed it`);
        return rows;
      });
    },

    async get(id: string, apiKeyId: string, repo: Repo = store): Promise<Message> {
      const row = await repo.getMessage(id, apiKeyId);
      if (!row) throw notFound('message');
      return messageView(row, await repo.listMessageEvents(id));
    },

    async list(q: { apiKeyId: string; status?: MessageStatus; limit: number; cursor?: string }) {
      const page = await store.listMessages(q);
      const data = await Promise.all(page.items.map(async (r) => messageView(r, await store.listMessageEvents(r.id))));
      return { data, ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}) };
    },

    /**
     * Applies a state change (compare-and-set on `from`) with its event,
     * its webhook event and its verification's sync, in one transaction
     * (`repo`'s when given). Undefined when the message was not in a `from`
     * state.
     */
    async transition(t: Transition, repo: Repo = store): Promise<MessageRow | undefined> {
      return repo.transaction(async (tx) => {
        if (!(await tx.transition(t))) return undefined;
        const row = await tx.getMessage(t.id);
        if (!row) return undefined;
        await outbox.messageChanged(tx, row, t.detail ?? null);
        await syncWithMessage(tx, outbox, row, t.at);
        return row;
      });
    },

    /**
     * The text to hand to a channel. For an OTP it fills in the code, which
     * exists only while its verification is pending; otherwise the message
     * must not go out and the answer says which final state it takes.
     */
    async deliverable(row: MessageRow, repo: Repo = store): Promise<Deliverable> {
      if (row.expires_at <= ctx.now()) return { drop: 'expired', detail: 'expired before it could be sent' };
      // A caller's code lives only in the sealed text (see `withCode`).
      if (!row.verification_id) return { text: row.text_enc ? ctx.keyring.decrypt(row.id, row.text_enc) : row.text };
      const v = await repo.getVerification(row.verification_id);
      if (!v || v.status !== 'pending' || !v.code_enc) {
        return { drop: 'canceled', detail: `verification is ${v?.status ?? 'gone'}; code not sent` };
      }
      if (v.expires_at <= ctx.now()) return { drop: 'expired', detail: 'code expired before it could be sent' };
      const otp = {
        code: ctx.keyring.decrypt(v.id, v.code_enc),
        locale: v.locale,
        ttlMinutes: Math.round((v.expires_at - v.created_at) / 60_000),
      };
      // The text was written when the message was accepted (the key's
      // template then, its autofill lines, the code masked): only the code
      // goes in now, so what was checked and shown is what is sent.
      return {
        text: fillMaskedCode(row.text, otp.code),
        ...(row.subject !== null ? { subject: fillMaskedCode(row.subject, otp.code) } : {}),
        otp,
      };
    },
  };
}

/** What a channel may send, or the final state the message takes instead. */
export type Deliverable =
  | { text: string; subject?: string; otp?: { code: string; locale: 'id' | 'en'; ttlMinutes: number } }
  | { drop: MessageStatus; detail: string };
