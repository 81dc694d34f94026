/**
 * Messages: the list with search (id prefix or destination) and filters
 * (status, channel) kept in the URL, patched in place as messages change;
 * and one message with its event timeline (queued → … → delivered, with
 * times and reasons), encoding and segments, re-read on each of its live
 * events. Texts arrive masked from the server and are shown as they are.
 */
import { useState } from 'preact/hooks';
import { api, qs } from '../api.js';
import { Filters } from '../filters.js';
import { useLiveReload } from '../live.js';
import { useQuery } from '../router.js';
import { Empty, ErrorNote, More, PageTitle, Status, Time, html, useData } from '../ui.js';
import { STATUSES } from './overview.js';

const CHANNELS = ['sms', 'email'];

export const smsInfo = (m) => (m.channel === 'sms' && m.segments ? `${m.segments} × ${m.encoding === 'ucs2' ? 'UCS-2' : 'GSM-7'}` : '');

/** A paged list whose rows live events may patch; `load(cursor)` gives { data, next_cursor }. */
export function usePagedList(load, deps) {
  const [extra, setExtra] = useState({ rows: [], cursor: undefined, busy: false });
  const first = useData(async (signal) => {
    setExtra({ rows: [], cursor: undefined, busy: false });
    return load(undefined, signal);
  }, deps);
  const rows = first.data ? [...first.data.data, ...extra.rows] : [];
  const cursor = extra.cursor === undefined ? first.data?.next_cursor : extra.cursor;
  const more = async () => {
    setExtra((e) => ({ ...e, busy: true }));
    try {
      const page = await load(cursor);
      setExtra((e) => ({ rows: [...e.rows, ...page.data], cursor: page.next_cursor, busy: false }));
    } catch {
      setExtra((e) => ({ ...e, busy: false }));
    }
  };
  /** Replaces the row with `row.id`; returns false when it is not shown. */
  const patch = (row) => {
    let found = false;
    const swap = (list) => list.map((r) => (r.id === row.id ? ((found = true), { ...r, ...row }) : r));
    first.setData((d) => d && { ...d, data: swap(d.data) });
    setExtra((e) => ({ ...e, rows: swap(e.rows) }));
    return found || rows.some((r) => r.id === row.id);
  };
  return { rows, cursor, more, busy: extra.busy, error: first.error, loading: first.loading && !first.data, reload: first.reload, patch };
}

export function Messages() {
  const [query, setQuery] = useQuery();
  const filter = { q: query.q, status: query.status, channel: query.channel };
  const list = usePagedList((cursor, signal) => api('/messages' + qs({ ...filter, limit: 50, cursor }), { signal }), [query.q, query.status, query.channel]);
  useLiveReload(['message'], list.reload, { wait: 800, relevant: (m) => !list.patch(m) });
  return html`
    <${PageTitle}>Messages</${PageTitle}>
    <${Filters} query=${filter} setQuery=${setQuery} searchLabel="Search" searchHint="Message id (or its start), or part of the destination" selects=${[['status', 'Status', STATUSES], ['channel', 'Channel', CHANNELS]]} />
    <${ErrorNote} error=${list.error} />
    <div aria-live="polite" aria-busy=${list.loading ? 'true' : 'false'}>
      ${list.loading ? html`<p class="muted">Loading…</p>` : list.rows.length === 0 ? html`<${Empty}>No messages match.</${Empty}>` : html`<${MessageTable} rows=${list.rows} caption="Messages, newest first" />`}
    </div>
    <${More} cursor=${list.cursor} onMore=${list.more} busy=${list.busy} />
  `;
}

export function MessageTable({ rows, caption }) {
  return html`
    <div class="scroll" tabindex="0" role="region" aria-label=${caption}>
      <table class="list">
        <caption class="sr-only">${caption}</caption>
        <thead><tr><th scope="col">Message</th><th scope="col">To</th><th scope="col">Status</th><th scope="col">Channel</th><th scope="col">Gateway</th><th scope="col">Created</th><th scope="col">Text</th></tr></thead>
        <tbody>
          ${rows.map((m) => html`<tr key=${m.id} data-id=${m.id}>
            <td><a href=${'/dashboard/messages/' + encodeURIComponent(m.id)} class="mono">${m.id}</a></td>
            <td class="mono">${m.to}</td>
            <td><${Status} s=${m.status} /></td>
            <td>${m.channel}${m.segments ? html`<br /><small class="muted">${smsInfo(m)}</small>` : ''}</td>
            <td>${m.gateway ? m.gateway.name : html`<span class="muted">—</span>`}</td>
            <td><${Time} at=${m.created_at} /></td>
            <td class="preview">${m.verification_id ? html`<span class="tag">code</span> ` : ''}${m.text_preview}</td>
          </tr>`)}
        </tbody>
      </table>
    </div>
  `;
}

/** The event timeline: each status with its time, the time since the first event, and the reason. */
export function Timeline({ events, label }) {
  const start = events.length ? Date.parse(events[0].at) : 0;
  return html`
    <ol class="timeline" aria-label=${label}>
      ${events.map((e) => html`<li data-status=${e.status}>
        <${Status} s=${e.status} />
        <${Time} at=${e.at} />
        ${e.at !== events[0].at ? html`<span class="muted">+${((Date.parse(e.at) - start) / 1000).toFixed(1)} s</span>` : ''}
        ${e.detail ? html`<span class="detail">${e.detail}</span>` : ''}
      </li>`)}
    </ol>
  `;
}

export function MessageDetail({ id }) {
  const { data: m, error, reload } = useData((signal) => api('/messages/' + encodeURIComponent(id), { signal }), [id]);
  useLiveReload(['message'], reload, { wait: 150, relevant: (d) => d.id === id });
  return html`
    <p class="crumbs"><a href="/dashboard/messages">Messages</a> ›</p>
    <${PageTitle}>Message <span class="mono">${id}</span></${PageTitle}>
    <${ErrorNote} error=${error} />
    ${m &&
    html`
      <dl class="facts">
        <div><dt>Status</dt><dd aria-live="polite"><${Status} s=${m.status} /></dd></div>
        <div><dt>To</dt><dd class="mono">${m.to}</dd></div>
        <div><dt>Channel</dt><dd>${m.channel}</dd></div>
        ${m.channel === 'sms' ? html`<div><dt>Segments</dt><dd>${m.segments ?? '—'}</dd></div><div><dt>Encoding</dt><dd>${m.encoding === 'ucs2' ? 'UCS-2' : m.encoding === 'gsm7' ? 'GSM-7' : '—'}</dd></div>` : ''}
        <div><dt>Priority</dt><dd>${m.priority}</dd></div>
        <div><dt>Gateway</dt><dd>${m.gateway ? m.gateway.name : '—'}</dd></div>
        <div><dt>Attempts</dt><dd>${m.attempts ?? '—'}</dd></div>
        <div><dt>Created</dt><dd><${Time} at=${m.created_at} withDate /></dd></div>
        <div><dt>Expires</dt><dd><${Time} at=${m.expires_at} withDate /></dd></div>
        ${m.verification_id ? html`<div><dt>Verification</dt><dd><a class="mono" href=${'/dashboard/verifications/' + encodeURIComponent(m.verification_id)}>${m.verification_id}</a></dd></div>` : ''}
      </dl>
      ${m.last_error ? html`<p class="error-inline"><strong>Last error:</strong> ${m.last_error}</p>` : ''}
      <section aria-labelledby="txt">
        <h2 id="txt">Text</h2>
        ${m.subject ? html`<p><strong>Subject:</strong> ${m.subject}</p>` : ''}
        <pre class="text">${m.text}</pre>
        ${m.verification_id ? html`<p class="muted">The code is masked; the dashboard never shows it.</p>` : ''}
      </section>
      <section aria-labelledby="tl">
        <h2 id="tl">Timeline</h2>
        <div aria-live="polite"><${Timeline} events=${m.events} label="Message events, oldest first" /></div>
      </section>
    `}
  `;
}
