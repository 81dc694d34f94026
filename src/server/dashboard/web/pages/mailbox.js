/**
 * Development only: the emails Kirim wrote to its development mailbox,
 * newest first; one opens beside the list (or below it on a phone), its id
 * kept in the URL (?id=). Codes are in clear: this is the person's inbox.
 */
import { api } from '../api.js';
import { useLiveReload } from '../live.js';
import { useQuery } from '../router.js';
import { Empty, ErrorNote, PageTitle, Time, html, useData } from '../ui.js';

export function Mailbox() {
  const [query, setQuery] = useQuery();
  const { data, error, reload } = useData((signal) => api('/dev/mailbox', { signal }), []);
  useLiveReload(['mailbox', 'message'], reload, { wait: 300, relevant: (d) => !d.channel || d.channel === 'email' });
  const emails = data?.emails ?? [];
  const open = emails.find((e) => e.id === query.id);
  return html`
    <${PageTitle}>Mailbox</${PageTitle}>
    <p class="muted">The development mailbox of <code>kirim dev</code>: every email Kirim sent, as the recipient's inbox shows it.</p>
    <${ErrorNote} error=${error} />
    ${data && emails.length === 0 ? html`<${Empty}>No email yet.</${Empty}>` : ''}
    <div class="mailbox">
      <ul class="mails" aria-label="Emails, newest first" aria-live="polite">
        ${emails.map((e) => html`<li key=${e.id}>
          <a href=${'/dashboard/mailbox?id=' + encodeURIComponent(e.id)} aria-current=${open && open.id === e.id ? 'true' : undefined} onClick=${(ev) => {
            ev.preventDefault();
            setQuery({ id: e.id }, { replace: false });
          }}>
            <span class="mail-subject">${e.subject || '(no subject)'}</span>
            <span class="mail-meta">To ${e.to} · <${Time} at=${e.date} /></span>
          </a>
        </li>`)}
      </ul>
      ${open
        ? html`<article class="card mail" aria-labelledby="mail-subject">
            <h2 id="mail-subject">${open.subject || '(no subject)'}</h2>
            <dl class="facts small">
              <div><dt>From</dt><dd>${open.from}</dd></div>
              <div><dt>To</dt><dd>${open.to}</dd></div>
              <div><dt>Date</dt><dd><${Time} at=${open.date} withDate /></dd></div>
            </dl>
            <pre class="text mail-text">${open.text}</pre>
          </article>`
        : emails.length
          ? html`<p class="muted">Choose an email to read it.</p>`
          : ''}
    </div>
  `;
}
