/**
 * Verifications: the list with search (id prefix or destination) and
 * filters (status, channel) kept in the URL; one verification with each
 * message that carried its code and that message's timeline. The code is
 * never shown — the server does not send it; the page says "••••••".
 */
import { api, qs } from '../api.js';
import { Filters } from '../filters.js';
import { useLiveReload } from '../live.js';
import { useQuery } from '../router.js';
import { Empty, ErrorNote, More, PageTitle, Status, Time, html, useData } from '../ui.js';
import { Timeline, smsInfo, usePagedList } from './messages.js';

const STATUSES = ['pending', 'approved', 'expired', 'canceled', 'max_attempts_reached', 'failed'];

export function Verifications() {
  const [query, setQuery] = useQuery();
  const filter = { q: query.q, status: query.status, channel: query.channel };
  const list = usePagedList((cursor, signal) => api('/verifications' + qs({ ...filter, limit: 50, cursor }), { signal }), [query.q, query.status, query.channel]);
  // A verification's start shows as its first message (carrying verification_id); its end as a `verification` event.
  useLiveReload(['verification', 'message'], list.reload, { wait: 800, relevant: (d, type) => (type === 'verification' ? !list.patch(d) : !!d.verification_id) });
  return html`
    <${PageTitle}>Verifications</${PageTitle}>
    <${Filters} query=${filter} setQuery=${setQuery} searchLabel="Search" searchHint="Verification id (or its start), or part of the destination" selects=${[['status', 'Status', STATUSES], ['channel', 'Channel', ['sms', 'email']]]} />
    <${ErrorNote} error=${list.error} />
    <div aria-live="polite" aria-busy=${list.loading ? 'true' : 'false'}>
      ${list.loading
        ? html`<p class="muted">Loading…</p>`
        : list.rows.length === 0
          ? html`<${Empty}>No verifications match.</${Empty}>`
          : html`<div class="scroll" tabindex="0" role="region" aria-label="Verifications">
              <table class="list">
                <caption class="sr-only">Verifications, newest first</caption>
                <thead><tr><th scope="col">Verification</th><th scope="col">To</th><th scope="col">Status</th><th scope="col">Channel</th><th scope="col" class="num">Sends</th><th scope="col" class="num">Attempts left</th><th scope="col">Created</th><th scope="col">API key</th></tr></thead>
                <tbody>
                  ${list.rows.map((v) => html`<tr key=${v.id}>
                    <td><a class="mono" href=${'/dashboard/verifications/' + encodeURIComponent(v.id)}>${v.id}</a></td>
                    <td class="mono">${v.to}</td>
                    <td><${Status} s=${v.status} /></td>
                    <td>${v.channel}</td>
                    <td class="num">${v.sends}</td>
                    <td class="num">${v.attempts_left}</td>
                    <td><${Time} at=${v.created_at} /></td>
                    <td>${v.api_key?.name ?? '—'}</td>
                  </tr>`)}
                </tbody>
              </table>
            </div>`}
    </div>
    <${More} cursor=${list.cursor} onMore=${list.more} busy=${list.busy} />
  `;
}

export function VerificationDetail({ id }) {
  const { data: v, error, reload } = useData((signal) => api('/verifications/' + encodeURIComponent(id), { signal }), [id]);
  useLiveReload(['verification', 'message'], reload, { wait: 200, relevant: (d) => d.id === id || d.verification_id === id });
  return html`
    <p class="crumbs"><a href="/dashboard/verifications">Verifications</a> ›</p>
    <${PageTitle}>Verification <span class="mono">${id}</span></${PageTitle}>
    <${ErrorNote} error=${error} />
    ${v &&
    html`
      <dl class="facts">
        <div><dt>Status</dt><dd aria-live="polite"><${Status} s=${v.status} /></dd></div>
        <div><dt>To</dt><dd class="mono">${v.to}</dd></div>
        <div><dt>Channel</dt><dd>${v.channel}</dd></div>
        <div><dt>Code</dt><dd><span aria-label="hidden code">••••••</span></dd></div>
        <div><dt>Sends</dt><dd>${v.sends}</dd></div>
        <div><dt>Attempts left</dt><dd>${v.attempts_left}</dd></div>
        <div><dt>Created</dt><dd><${Time} at=${v.created_at} withDate /></dd></div>
        <div><dt>Expires</dt><dd><${Time} at=${v.expires_at} withDate /></dd></div>
        <div><dt>Ended</dt><dd><${Time} at=${v.ended_at} withDate /></dd></div>
        <div><dt>API key</dt><dd>${v.api_key?.name ?? '—'}</dd></div>
      </dl>
      <section aria-labelledby="vm">
        <h2 id="vm">Messages</h2>
        ${(v.messages || []).length === 0
          ? html`<${Empty}>No message was sent for this verification.</${Empty}>`
          : v.messages.map((m, i) => html`
              <article class="card" aria-labelledby=${'vm-' + i}>
                <h3 id=${'vm-' + i}>Send ${i + 1}: <a class="mono" href=${'/dashboard/messages/' + encodeURIComponent(m.id)}>${m.id}</a> <${Status} s=${m.status} /></h3>
                <p class="muted">${m.channel}${smsInfo(m) ? ' · ' + smsInfo(m) : ''}${m.gateway ? ' · via ' + m.gateway.name : ''}</p>
                ${m.text_preview ? html`<p class="preview">${m.text_preview}</p>` : ''}
                <${Timeline} events=${m.events || []} label=${`Events of send ${i + 1}, oldest first`} />
              </article>`)}
      </section>
    `}
  `;
}
