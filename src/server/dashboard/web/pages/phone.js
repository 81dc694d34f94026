/**
 * Development only: each simulated handset's SMS, shown the way a phone
 * shows them — one conversation per number, bubbles with their time,
 * newest at the bottom. Codes are in clear here: this is the person's own
 * phone. Re-read when a handset receives something (live `phone` events,
 * or any SMS changing state).
 */
import { api } from '../api.js';
import { useLiveReload } from '../live.js';
import { Empty, ErrorNote, PageTitle, Time, html, useData } from '../ui.js';

export function Phone() {
  const { data, error, reload } = useData((signal) => api('/dev/phone', { signal }), []);
  useLiveReload(['phone', 'message'], reload, { wait: 300, relevant: (d) => !d.channel || d.channel === 'sms' });
  const handsets = data?.handsets ?? [];
  return html`
    <${PageTitle}>Phone</${PageTitle}>
    <p class="muted">The simulated handsets of <code>kirim dev</code>: every SMS the modem delivered, as the recipient's phone shows it.</p>
    <${ErrorNote} error=${error} />
    ${data && handsets.length === 0 ? html`<${Empty}>No handset has received an SMS yet.</${Empty}>` : ''}
    <div class="phones" aria-live="polite">
      ${handsets.map((hs) => html`
        <section class="phone" aria-labelledby=${'ph-' + hs.number} data-number=${hs.number}>
          <h2 id=${'ph-' + hs.number} class="phone-head">${hs.number}</h2>
          <ol class="bubbles" aria-label=${`SMS received by ${hs.number}, oldest first`}>
            ${hs.messages.map((m) => html`<li class="bubble">
              <p class="bubble-text">${m.text}</p>
              <p class="bubble-meta"><${Time} at=${m.received_at} />${m.parts > 1 ? ` · ${m.parts} parts` : ''}</p>
            </li>`)}
          </ol>
        </section>`)}
    </div>
  `;
}
