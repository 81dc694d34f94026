/**
 * Messages: creation (with SMS encoding analysis), state changes with their
 * history, the API view, and the text actually handed to a channel (where an
 * OTP's masked code is filled in from the verification's ciphertext).
 */
import type { Message } from '../../protocol/api.js';
import { ApiError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { ServerContext } from '../context.js';
import type { MessageEventRow, MessageRow, MessageStatus, Repo, Transition } from '../store/index.js';
import { MAX_SMS_SEGMENTS, analyzeSms, renderOtpSms } from './sms-text.js';

export const PRIORITY_RANK = { high: 0, normal: 1, low: 2 } as const;
export type PriorityName = keyof typeof PRIORITY_RANK;

/** Default lifetime of a plain message. */
export const DEFAULT_MESSAGE_TTL_SECONDS = 86_400;

export interface NewMessage {
  apiKeyId: string | null;
  to: string;
  channel: 'sms' | 'email';
  text: string;
  subject?: string | null;
  priority: PriorityName;
  expiresAt: number;
  verificationId?: string | null;
  /** Why it was created, recorded on the first event. */
  detail?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The API representation of a message. */
export function messageView(row: MessageRow, events: MessageEventRow[]): Message {
  return {
    id: row.id,
    to: row.to,
    channel: row.channel as Message['channel'],
    status: row.status as Message['status'],
    priority: row.priority as Message['priority'],
    created_at: iso(row.created_at),
    expires_at: iso(row.expires_at),
    text: row.text,
    ...(row.subject ? { subject: row.subject } : {}),
    ...(row.segments != null ? { segments: row.segments } : {}),
    ...(row.encoding ? { encoding: row.encoding as 'gsm7' | 'ucs2' } : {}),
    ...(row.gateway_id && row.channel === 'sms' ? { gateway: row.gateway_id } : {}),
    ...(row.verification_id ? { verification_id: row.verification_id } : {}),
    events: events.map((e) => ({
      status: e.status as Message['status'],
      at: iso(e.at),
      ...(e.detail ? { detail: e.detail } : {}),
    })),
  };
}

export type MessageService = ReturnType<typeof createMessageService>;

export function createMessageService(ctx: ServerContext) {
  const { store, bus } = ctx;

  /** Builds the row for a new message; throws 422 when an SMS would be too long. */
  function build(input: NewMessage, now: number): MessageRow {
    let segments: number | null = null;
    let encoding: string | null = null;
    if (input.channel === 'sms') {
      const a = analyzeSms(input.text);
      if (a.segments > MAX_SMS_SEGMENTS) {
        throw new ApiError(422, 'text_too_long', `the text needs ${a.segments} SMS parts (${a.encoding}); at most ${MAX_SMS_SEGMENTS} are allowed`);
      }
      segments = a.segments;
      encoding = a.encoding;
    }
    return {
      id: newId('msg', now),
      api_key_id: input.apiKeyId,
      verification_id: input.verificationId ?? null,
      channel: input.channel,
      to: input.to,
      text: input.text,
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
      attempts: 0,
      next_attempt_at: now,
      last_error: null,
    };
  }

  return {
    build,

    /** Stores a new queued message (inside `repo`'s transaction when given). Call `announce` after commit. */
    async insert(input: NewMessage, repo: Repo = store, now = ctx.now()): Promise<MessageRow> {
      const row = build(input, now);
      await repo.insertMessage(row, input.detail ?? 'accepted');
      return row;
    },

    /** Wakes the channel that will carry a newly stored message. */
    announce(row: MessageRow) {
      bus.emit(row.channel === 'sms' ? 'queue:sms' : 'queue:email');
      bus.emit('message:changed', row, null);
    },

    async get(id: string, apiKeyId: string): Promise<Message> {
      const row = await store.getMessage(id, apiKeyId);
      if (!row) throw notFound('message');
      return messageView(row, await store.listMessageEvents(id));
    },

    async list(q: { apiKeyId: string; status?: string; limit: number; cursor?: string }) {
      const page = await store.listMessages(q);
      const data = await Promise.all(page.items.map(async (r) => messageView(r, await store.listMessageEvents(r.id))));
      return { data, ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}) };
    },

    /** Applies a state change; when it took effect, tells the rest of the server. */
    async transition(t: Transition): Promise<MessageRow | undefined> {
      const applied = await store.transition(t);
      if (!applied) return undefined;
      const row = await store.getMessage(t.id);
      if (row) bus.emit('message:changed', row, t.detail ?? null);
      return row;
    },

    /**
     * The text to hand to a channel. For an OTP it fills in the code, which
     * exists only while its verification is pending; otherwise the message
     * must not go out and the answer says which final state it takes.
     */
    async deliverable(row: MessageRow): Promise<Deliverable> {
      if (row.expires_at <= ctx.now()) return { drop: 'expired', detail: 'expired before it could be sent' };
      if (!row.verification_id) return { text: row.text };
      const v = await store.getVerification(row.verification_id);
      if (!v || v.status !== 'pending' || !v.code_enc) {
        return { drop: 'canceled', detail: `verification is ${v?.status ?? 'gone'}; code not sent` };
      }
      if (v.expires_at <= ctx.now()) return { drop: 'expired', detail: 'code expired before it could be sent' };
      const otp = {
        code: ctx.keyring.decrypt(v.id, v.code_enc),
        locale: v.locale as 'id' | 'en',
        ttlMinutes: Math.round((v.expires_at - v.created_at) / 60_000),
      };
      return { text: renderOtpSms({ appName: ctx.config.appName, ...otp }), otp };
    },
  };
}

/** What a channel may send, or the final state the message takes instead. */
export type Deliverable =
  | { text: string; otp?: { code: string; locale: 'id' | 'en'; ttlMinutes: number } }
  | { drop: MessageStatus; detail: string };
