/**
 * Overview: messages per minute by status (an SVG stacked bar chart with a
 * table alternative), time-to-sent and time-to-delivered percentiles, and
 * the verification funnel (started → sent → delivered → approved) by
 * channel, country prefix and gateway. Re-fetched (debounced) when a
 * message or verification changes.
 */
import { api, qs } from '../api.js';
import { useLiveReload } from '../live.js';
import { useQuery } from '../router.js';
import { Bar, ErrorNote, PageTitle, html, ms, useData } from '../ui.js';

export const STATUSES = ['queued', 'dispatched', 'spooled', 'sent', 'delivered', 'failed', 'expired', 'canceled'];
const WINDOWS = [
  ['15', 'Last 15 minutes'],
  ['60', 'Last hour'],
  ['360', 'Last 6 hours'],
  ['1440', 'Last 24 hours'],
];

function PerMinute({ rows }) {
  const W = 720;
  const H = 160;
  const totals = rows.map((r) => STATUSES.reduce((n, s) => n + (r.counts[s] || 0), 0));
  const max = Math.max(1, ...totals);
  const bw = W / Math.max(rows.length, 1);
  const sum = totals.reduce((a, b) => a + b, 0);
  const byStatus = STATUSES.map((s) => [s, rows.reduce((n, r) => n + (r.counts[s] || 0), 0)]).filter(([, n]) => n > 0);
  const label = `Messages per minute over ${rows.length} minutes: ${sum} in all` + (byStatus.length ? ` (${byStatus.map(([s, n]) => `${n} ${s}`).join(', ')})` : '') + `; busiest minute ${Math.max(0, ...totals)}.`;
  return html`
    <figure class="chart">
      <svg viewBox=${`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label=${label}>
        ${rows.map((r, i) => {
          let y = H;
          return STATUSES.map((s) => {
            const n = r.counts[s] || 0;
            if (!n) return null;
            const h = (n / max) * (H - 4);
            y -= h;
            return html`<rect class=${`c-${s}`} x=${i * bw + 0.5} y=${y} width=${Math.max(bw - 1, 0.5)} height=${h}><title>${`${new Date(r.minute).toLocaleTimeString()}: ${n} ${s}`}</title></rect>`;
          });
        })}
      </svg>
      ${rows.length > 0 && html`<div class="axis" aria-hidden="true"><span>${new Date(rows[0].minute).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</span><span>busiest minute: ${Math.max(0, ...totals)}</span><span>${new Date(rows[rows.length - 1].minute).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</span></div>`}
      <figcaption>
        <ul class="legend" aria-label="Legend">
          ${STATUSES.map((s) => html`<li><span class=${`swatch c-${s}`} aria-hidden="true"></span>${s}</li>`)}
        </ul>
      </figcaption>
    </figure>
    <details>
      <summary>Messages per minute as a table</summary>
      <div class="scroll" tabindex="0" role="region" aria-label="Messages per minute table">
        <table>
          <thead><tr><th scope="col">Minute</th>${STATUSES.map((s) => html`<th scope="col" class="num">${s}</th>`)}</tr></thead>
          <tbody>
            ${rows.filter((_, i) => totals[i] > 0).map((r) => html`<tr><th scope="row"><time datetime=${r.minute}>${new Date(r.minute).toLocaleTimeString()}</time></th>${STATUSES.map((s) => html`<td class="num">${r.counts[s] || 0}</td>`)}</tr>`)}
          </tbody>
        </table>
        ${sum === 0 ? html`<p class="empty">No messages in this window.</p>` : ''}
      </div>
    </details>
  `;
}

function Percentiles({ title, p }) {
  return html`
    <section class="card stat" aria-labelledby=${title.replace(/\W/g, '')}>
      <h3 id=${title.replace(/\W/g, '')}>${title}</h3>
      ${p && p.count
        ? html`<dl class="pcts">
            <div><dt>p50</dt><dd>${ms(p.p50_ms)}</dd></div>
            <div><dt>p90</dt><dd>${ms(p.p90_ms)}</dd></div>
            <div><dt>p99</dt><dd>${ms(p.p99_ms)}</dd></div>
          </dl>
          <p class="muted">${p.count} message${p.count === 1 ? '' : 's'}</p>`
        : html`<p class="empty">No messages yet.</p>`}
    </section>
  `;
}

const pct = (n, of) => (of > 0 ? `${Math.round((n / of) * 100)} %` : '—');

function Funnel({ title, rows, keyLabel }) {
  const max = Math.max(1, ...rows.map((r) => r.started));
  return html`
    <section aria-labelledby=${'f-' + keyLabel}>
      <h3 id=${'f-' + keyLabel}>${title}</h3>
      ${rows.length === 0
        ? html`<p class="empty">No verifications in this window.</p>`
        : html`<div class="scroll" tabindex="0" role="region" aria-label=${title}>
            <table class="funnel">
              <thead><tr><th scope="col">${keyLabel}</th><th scope="col">Started</th><th scope="col">Sent</th><th scope="col">Delivered</th><th scope="col">Approved</th><th scope="col" class="num">Approved of started</th></tr></thead>
              <tbody>
                ${rows.map((r) => html`<tr>
                  <th scope="row">${r.key}</th>
                  ${['started', 'sent', 'delivered', 'approved'].map((k) => html`<td><${Bar} value=${r[k]} max=${max} /></td>`)}
                  <td class="num">${pct(r.approved, r.started)}</td>
                </tr>`)}
              </tbody>
            </table>
          </div>`}
    </section>
  `;
}

export function Overview() {
  const [query, setQuery] = useQuery();
  const minutes = WINDOWS.some(([v]) => v === query.minutes) ? query.minutes : '60';
  const { data, error, reload } = useData((signal) => api('/overview' + qs({ minutes }), { signal }), [minutes]);
  useLiveReload(['message', 'verification'], reload, { wait: 1500 });
  return html`
    <div class="page-head">
      <${PageTitle}>Overview</${PageTitle}>
      <div class="field inline">
        <label for="window">Window</label>
        <select id="window" value=${minutes} onChange=${(e) => setQuery({ minutes: e.currentTarget.value === '60' ? '' : e.currentTarget.value })}>
          ${WINDOWS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
        </select>
      </div>
    </div>
    <${ErrorNote} error=${error} />
    ${data &&
    html`
      <section aria-labelledby="pm">
        <h2 id="pm">Messages per minute by status</h2>
        <${PerMinute} rows=${data.per_minute} />
      </section>
      <section aria-labelledby="lat">
        <h2 id="lat">Latency</h2>
        <div class="cards">
          <${Percentiles} title="Time to sent" p=${data.time_to_sent} />
          <${Percentiles} title="Time to delivered" p=${data.time_to_delivered} />
        </div>
      </section>
      <section aria-labelledby="fun">
        <h2 id="fun">Verification funnel</h2>
        <p class="muted">Started → code sent → delivered to the handset → approved, for verifications started in the window.</p>
        <${Funnel} title="By channel" keyLabel="Channel" rows=${data.funnel.by_channel} />
        <${Funnel} title="By country prefix" keyLabel="Prefix" rows=${data.funnel.by_country} />
        <${Funnel} title="By gateway" keyLabel="Gateway" rows=${data.funnel.by_gateway} />
      </section>
    `}
  `;
}
