/**
 * Sign-in: username and password posted to /dashboard/api/login. A wrong
 * password and an unknown user get the same words (the server answers both
 * alike); a throttled login says how long to wait.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { html } from '../ui.js';

export function Login({ onSignedIn }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const user = useRef(null);
  useEffect(() => {
    document.title = 'Sign in · Kirim';
    user.current?.focus();
  }, []);
  const submit = async (e) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError('');
    try {
      const res = await api('/login', { method: 'POST', body: { username: form.get('username'), password: form.get('password') } });
      // The session call also says whether the dev pages exist.
      onSignedIn(await api('/session').catch(() => ({ dev: false, ...res })));
    } catch (err) {
      setBusy(false);
      if (err.code === 'invalid_credentials') setError('Wrong username or password.');
      else if (err.status === 429) setError(`Too many failed sign-ins. Try again in ${err.retryAfter ? Math.ceil(err.retryAfter / 60) + ' min' : 'a while'}.`);
      else setError(err.message);
    }
  };
  return html`
    <main id="main" class="login">
      <h1>Kirim dashboard</h1>
      <form onSubmit=${submit} class="card" aria-describedby=${error ? 'login-error' : undefined}>
        <h2>Sign in</h2>
        <div class="field">
          <label for="username">Username</label>
          <input id="username" name="username" autocomplete="username" required ref=${user} autocapitalize="none" spellcheck="false" />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
        </div>
        <div id="login-error" class="form-error" role="alert">${error}</div>
        <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      <p class="hint">Operators are created with <code>kirim operators create ${'<username>'}</code>. <code>kirim dev</code> prints its login.</p>
    </main>
  `;
}
