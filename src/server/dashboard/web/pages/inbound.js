/**
 * Inbound SMS: what the gateways' modems received, newest first; a new SMS
 * appears at the top as its live event arrives.
 */
import { api, qs } from '../api.js';
import { useLive } from '../live.js';
import { Empty, ErrorNote, More, PageTitle, Time, html } from '../ui.js';
import { usePagedList } from './messages.js';

export function Inbound() {
  const list = usePagedList((cursor, signal) => api('/inbound' + qs({ limit: 50, cursor }), { signal }), []);
  useLive(['inbound', 'resync'], () => list.reload());
  return html`
    <${PageTitle}>Inbound SMS</${PageTitle}>
    <${ErrorNote} error=${list.error} />
    <div aria-live="polite">
      ${list.loading
        ? html`<p class="muted">Loading…</p>`
        : list.rows.length === 0
          ? html`<${Empty}>No SMS received yet. In development, <code>kirim modem-sim inject</code> sends one to the modem.</${Empty}>`
          : html`<div class="scroll" tabindex="0" role="region" aria-label="Inbound SMS">
              <table class="list">
                <caption class="sr-only">Inbound SMS, newest first</caption>
                <thead><tr><th scope="col">From</th><th scope="col">Text</th><th scope="col">Received</th><th scope="col">Gateway</th></tr></thead>
                <tbody>
                  ${list.rows.map((i) => html`<tr key=${i.id}>
                    <td class="mono">${i.from}</td>
                    <td class="preview">${i.text}</td>
                    <td><${Time} at=${i.received_at} /></td>
                    <td>${i.gateway?.name ?? '—'}</td>
                  </tr>`)}
                </tbody>
              </table>
            </div>`}
    </div>
    <${More} cursor=${list.cursor} onMore=${list.more} busy=${list.busy} />
  `;
}
