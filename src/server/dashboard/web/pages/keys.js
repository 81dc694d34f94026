/**
 * API keys: the list, a form to create one (the key is shown once, right
 * after creation, and never again), and revoke with a confirmation step.
 * Beside each action, the equivalent command line. A revoked key is
 * refused by the very next API call it makes.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Empty, ErrorNote, PageTitle, Status, Time, announce, copy, html, useData } from '../ui.js';

function NewKey({ created, onDone }) {
  const ref = useRef(null);
  useEffect(() => ref.current?.focus(), []);
  return html`
    <div class="card new-key" role="region" aria-labelledby="nk" tabindex="-1" ref=${ref}>
      <h3 id="nk">Key “${created.name}” created</h3>
      <p><strong>Copy it now: it is shown only this once.</strong> Kirim keeps only its hash.</p>
      <p><code class="secret" data-testid="new-key">${created.key}</code></p>
      <p class="actions">
        <button type="button" onClick=${() => copy(created.key)}>Copy key</button>
        <button type="button" class="secondary" onClick=${onDone}>I have saved it</button>
      </p>
    </div>
  `;
}

function CreateKey({ onCreated }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    setBusy(true);
    setError(null);
    try {
      const created = await api('/keys', { method: 'POST', body: { name: String(f.get('name')).trim(), admin: f.get('admin') === 'on' } });
      form.reset();
      onCreated(created);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <form class="card create-key" onSubmit=${submit} aria-labelledby="ck">
      <h2 id="ck">Create a key</h2>
      <div class="field">
        <label for="key-name">Name</label>
        <input id="key-name" name="name" required maxlength="64" aria-describedby="key-name-hint" autocomplete="off" />
        <small id="key-name-hint" class="muted">1–64 letters, digits, spaces, dots, dashes or underscores, e.g. the application's name.</small>
      </div>
      <div class="check">
        <input id="key-admin" name="admin" type="checkbox" />
        <label for="key-admin">Admin (may also read the gateways through the API)</label>
      </div>
      <${ErrorNote} error=${error} />
      <button type="submit" disabled=${busy}>Create key</button>
      <p class="cli">Same on the command line: <code>kirim keys create --name ${'<name>'}</code></p>
    </form>
  `;
}

function Revoke({ k, onRevoked }) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState(null);
  const confirmRef = useRef(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (k.revoked_at) return html`<span class="muted">—</span>`;
  const revoke = async () => {
    setError(null);
    try {
      await api(`/keys/${encodeURIComponent(k.id)}/revoke`, { method: 'POST' });
      announce(`Key ${k.name} revoked`);
      setAsking(false);
      onRevoked();
    } catch (err) {
      setError(err);
    }
  };
  if (!asking) return html`<button type="button" class="danger small" onClick=${() => setAsking(true)} aria-label=${`Revoke key ${k.name}`}>Revoke</button>`;
  return html`
    <div class="confirm" role="group" aria-label=${`Confirm revoking ${k.name}`}>
      <span>Revoke “${k.name}”? Applications using it stop working at once.</span>
      <button type="button" class="danger small" ref=${confirmRef} onClick=${revoke}>Yes, revoke</button>
      <button type="button" class="secondary small" onClick=${() => setAsking(false)}>Cancel</button>
      <${ErrorNote} error=${error} />
    </div>
  `;
}

export function Keys() {
  const { data, error, reload } = useData((signal) => api('/keys', { signal }), []);
  const [created, setCreated] = useState(null);
  const keys = data?.data ?? [];
  return html`
    <${PageTitle}>API keys</${PageTitle}>
    ${created ? html`<${NewKey} created=${created} onDone=${() => setCreated(null)} />` : ''}
    <div class="two-col">
      <section aria-labelledby="kl">
        <h2 id="kl">Keys</h2>
        <p class="cli">Same on the command line: <code>kirim keys list</code></p>
        <${ErrorNote} error=${error} />
        ${data && keys.length === 0 ? html`<${Empty}>No API keys.</${Empty}>` : ''}
        ${keys.length > 0 &&
        html`<div class="scroll" tabindex="0" role="region" aria-label="API keys">
          <table class="list keys">
            <caption class="sr-only">API keys</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">State</th><th scope="col">Revoke</th></tr></thead>
            <tbody>
              ${keys.map((k) => html`<tr key=${k.id} data-key=${k.id} data-key-name=${k.name}>
                <td>${k.name}</td>
                <td><code>${k.prefix}…</code></td>
                <td>${k.scopes?.length ? k.scopes.join(', ') : html`<span class="muted">application</span>`}</td>
                <td><${Time} at=${k.created_at} withDate /></td>
                <td>${k.revoked_at ? html`<${Status} s="revoked" /> <${Time} at=${k.revoked_at} />` : html`<${Status} s="active" />`}</td>
                <td>
                  <${Revoke} k=${k} onRevoked=${reload} />
                  ${!k.revoked_at ? html`<div class="cli small"><code>kirim keys revoke ${k.id}</code></div>` : ''}
                </td>
              </tr>`)}
            </tbody>
          </table>
        </div>`}
      </section>
      <${CreateKey} onCreated=${(c) => {
        setCreated(c);
        announce(`Key ${c.name} created; copy it now`);
        reload();
      }} />
    </div>
  `;
}
