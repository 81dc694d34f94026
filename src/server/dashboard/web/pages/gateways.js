/**
 * Gateways: each one's state (online / offline / new, as the server judges
 * it), its pins and routing (in rotation, or out of it and why), last seen, signal, spool depth, counters, what waits for it (queued
 * messages it could take, messages it holds leased), its modem's health,
 * and a heartbeat timeline of the last hour with the gaps marked. State
 * and last-seen are patched in place from live `gateway` events; the rest
 * is re-read shortly after.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { useLive, useLiveReload } from '../live.js';
import { Empty, ErrorNote, PageTitle, Status, Time, ago, html, useData } from '../ui.js';

/** Re-renders every `every` ms (for "12 s ago"). */
function useNow(every = 5000) {
  const [now, set] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => set(Date.now()), every);
    return () => clearInterval(t);
  }, [every]);
  return now;
}

function HeartbeatTimeline({ g, now }) {
  const W = 600;
  const H = 28;
  const from = now - 3600_000;
  const x = (at) => Math.max(0, Math.min(W, ((Date.parse(at) - from) / 3600_000) * W));
  const gaps = g.gaps || [];
  const label = `Heartbeats of ${g.name} in the last hour: ${g.heartbeats.length}` + (gaps.length ? `, ${gaps.length} gap${gaps.length > 1 ? 's' : ''}` : ', no gaps');
  return html`
    <figure class="heartbeats">
      <svg viewBox=${`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label=${label}>
        <rect class="hb-bg" x="0" y="0" width=${W} height=${H} />
        ${gaps.map((gap) => html`<rect class="hb-gap" x=${x(gap.from)} y="0" width=${Math.max(1, x(gap.to) - x(gap.from))} height=${H}><title>${`No heartbeat for ${gap.seconds} s`}</title></rect>`)}
        ${g.heartbeats.map((hb) => html`<line class="hb" x1=${x(hb.at)} x2=${x(hb.at)} y1="4" y2=${H - 4} />`)}
      </svg>
      <figcaption class="hb-axis"><span>1 h ago</span><span>now</span></figcaption>
    </figure>
    ${gaps.length
      ? html`<ul class="gaps" aria-label=${`Gaps in ${g.name}'s heartbeats`}>
          ${gaps.map((gap) => html`<li><span class="badge s-failed">gap</span> <${Time} at=${gap.from} /> – <${Time} at=${gap.to} /> (${gap.seconds} s without a heartbeat)</li>`)}
        </ul>`
      : html`<p class="muted small">No gaps in the last hour.</p>`}
  `;
}

function Signal({ value }) {
  if (value === null || value === undefined) return html`<span class="muted">unknown</span>`;
  return html`<meter min="0" max="100" low="20" optimum="80" value=${value} aria-label="Signal">${value} %</meter> ${value} %`;
}

function Health({ health }) {
  if (!health || typeof health !== 'object') return null;
  const entries = Object.entries(health).filter(([, v]) => v !== null && typeof v !== 'object');
  if (!entries.length) return null;
  return html`<details><summary>Modem health</summary><dl class="facts small">${entries.map(([k, v]) => html`<div><dt>${k.replace(/_/g, ' ')}</dt><dd>${String(v)}</dd></div>`)}</dl></details>`;
}

function Gateway({ g, now }) {
  const id = 'gw-' + g.id;
  return html`
    <article class="card gateway" aria-labelledby=${id} data-gateway=${g.name} data-gateway-state=${g.state}>
      <h2 id=${id}>${g.name} <span aria-live="polite"><${Status} s=${g.state} /></span></h2>
      <dl class="facts">
        <div><dt>Pins</dt><dd>${g.pins}</dd></div>
        <div><dt>Number</dt><dd data-number>${g.number ?? 'not set'}</dd></div>
        <div><dt>Routing</dt><dd class=${g.eligible ? '' : 'error-inline'} data-routing>${g.routing}</dd></div>
        <div><dt>Last seen</dt><dd>${g.last_seen_at ? html`<${Time} at=${g.last_seen_at} /> (${ago(g.last_seen_at, now)})` : 'never'}</dd></div>
        <div><dt>Signal</dt><dd><${Signal} value=${g.signal} /></dd></div>
        <div><dt>Spool depth</dt><dd>${g.spool_depth ?? '—'}</dd></div>
        <div><dt>Waiting for it</dt><dd>${g.waiting} queued</dd></div>
        <div><dt>Leased to it</dt><dd>${g.leased}</dd></div>
        <div><dt>Sent</dt><dd>${g.counters.sent}</dd></div>
        <div><dt>Delivered</dt><dd>${g.counters.delivered}</dd></div>
        <div><dt>Failed</dt><dd>${g.counters.failed}</dd></div>
        <div><dt>Inbound</dt><dd>${g.counters.inbound}</dd></div>
      </dl>
      <h3>Heartbeats</h3>
      <${HeartbeatTimeline} g=${g} now=${now} />
      <${Health} health=${g.health} />
      ${g.waiting > 0 && g.state !== 'online' ? html`<p class="error-inline">${g.waiting} message${g.waiting > 1 ? 's wait' : ' waits'} for this gateway while it is ${g.state}.</p>` : ''}
    </article>
  `;
}

export function Gateways() {
  const now = useNow();
  const { data, error, reload, setData } = useData((signal) => api('/gateways', { signal }), []);
  useLive(['gateway'], (e) => {
    setData((d) => d && { ...d, data: d.data.map((g) => (g.id === e.id ? { ...g, state: e.state ?? g.state, last_seen_at: e.last_seen_at ?? g.last_seen_at, heartbeats: e.last_seen_at && e.last_seen_at !== g.last_seen_at ? [...g.heartbeats, { at: e.last_seen_at }] : g.heartbeats } : g)) });
  });
  useLiveReload(['gateway', 'message', 'inbound'], reload, { wait: 2000 });
  const list = data?.data ?? [];
  return html`
    <${PageTitle}>Gateways</${PageTitle}>
    <${ErrorNote} error=${error} />
    ${data && list.length === 0 ? html`<${Empty}>No gateway yet. Register one with <code>kirim gateways create --name ${'<name>'}</code> and start <code>kirim gateway</code> beside the modem.</${Empty}>` : ''}
    <div class="gateways">${list.map((g) => html`<${Gateway} key=${g.id} g=${g} now=${now} />`)}</div>
  `;
}
