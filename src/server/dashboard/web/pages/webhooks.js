/**
 * Webhooks: each endpoint with its recent deliveries (state, attempts,
 * response status, latency, response excerpt) and a replay button that
 * sends the same payload again as a new delivery. Re-read when a delivery
 * attempt finishes (live `webhook` events).
 */
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useLiveReload } from '../live.js';
import { Empty, ErrorNote, PageTitle, Status, Time, announce, html, useData } from '../ui.js';

function Deliveries({ w, onReplayed }) {
  const [busy, setBusy] = useState(null);
  const [error, setError] = useState(null);
  const replay = async (d) => {
    setBusy(d.id);
    setError(null);
    try {
      await api(`/webhooks/${encodeURIComponent(w.id)}/deliveries/${encodeURIComponent(d.id)}/replay`, { method: 'POST' });
      announce(`Delivery ${d.id} (${d.type}) queued again`);
      onReplayed();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };
  if (!w.deliveries.length) return html`<${Empty}>No deliveries yet.</${Empty}>`;
  return html`
    <${ErrorNote} error=${error} />
    <div class="scroll" tabindex="0" role="region" aria-label=${`Recent deliveries to ${w.url}`}>
      <table class="list">
        <caption class="sr-only">Recent deliveries to ${w.url}, newest first</caption>
        <thead><tr><th scope="col">Event</th><th scope="col">State</th><th scope="col" class="num">Attempts</th><th scope="col" class="num">Response</th><th scope="col" class="num">Latency</th><th scope="col">Response excerpt / error</th><th scope="col">Updated</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>
          ${w.deliveries.map((d) => html`<tr key=${d.id} data-delivery=${d.id}>
            <td><code>${d.type}</code></td>
            <td><${Status} s=${d.state} /></td>
            <td class="num">${d.attempts}</td>
            <td class="num">${d.response_status ?? '—'}</td>
            <td class="num">${d.latency_ms != null ? `${d.latency_ms} ms` : '—'}</td>
            <td class="preview">${d.last_error ? html`<span class="error-text">${d.last_error}</span> ` : ''}${d.response_excerpt ? html`<code>${d.response_excerpt}</code>` : ''}</td>
            <td><${Time} at=${d.updated_at} /></td>
            <td><button type="button" class="secondary small" onClick=${() => replay(d)} disabled=${busy === d.id} aria-label=${`Replay ${d.type} delivery ${d.id}`}>Replay</button></td>
          </tr>`)}
        </tbody>
      </table>
    </div>
  `;
}

export function Webhooks() {
  const { data, error, reload } = useData((signal) => api('/webhooks', { signal }), []);
  useLiveReload(['webhook'], reload, { wait: 500 });
  const list = data?.data ?? [];
  return html`
    <${PageTitle}>Webhooks</${PageTitle}>
    <p class="muted">Endpoints are added by applications with <code>POST /v1/webhooks</code>. Deliveries are signed (Standard Webhooks) and retried with backoff.</p>
    <${ErrorNote} error=${error} />
    ${data && list.length === 0 ? html`<${Empty}>No webhook endpoints.</${Empty}>` : ''}
    ${list.map((w) => html`
      <article class="card" key=${w.id} aria-labelledby=${'wh-' + w.id} data-webhook=${w.id}>
        <h2 id=${'wh-' + w.id} class="mono break">${w.url}</h2>
        <dl class="facts">
          <div><dt>Events</dt><dd>${w.events.join(', ')}</dd></div>
          <div><dt>API key</dt><dd>${w.api_key?.name ?? '—'}</dd></div>
          <div><dt>Created</dt><dd><${Time} at=${w.created_at} withDate /></dd></div>
          <div><dt>State</dt><dd>${w.disabled_at ? html`<${Status} s="disabled" /> since <${Time} at=${w.disabled_at} withDate />` : html`<${Status} s="active" />`}</dd></div>
        </dl>
        <h3>Recent deliveries</h3>
        <${Deliveries} w=${w} onReplayed=${reload} />
      </article>`)}
  `;
}
