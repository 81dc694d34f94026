/**
 * The dashboard's entry: asks the server for the session (401 → the login
 * page, coming back to the page asked for afterwards), then renders the
 * shell — skip link, header with navigation, the live indicator and sign
 * out, the page for location.pathname — and opens the live stream.
 * Dev-only pages (phone, mailbox) are listed only when the server says dev.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, onSessionLost, setCsrfToken } from './api.js';
import { connect, disconnect, useLiveStatus } from './live.js';
import { navigate, useLocation } from './router.js';
import { Announcer, ErrorNote, html } from './ui.js';
import { Login } from './pages/login.js';
import { Overview } from './pages/overview.js';
import { MessageDetail, Messages } from './pages/messages.js';
import { VerificationDetail, Verifications } from './pages/verifications.js';
import { Gateways } from './pages/gateways.js';
import { Inbound } from './pages/inbound.js';
import { Webhooks } from './pages/webhooks.js';
import { Keys } from './pages/keys.js';
import { Phone } from './pages/phone.js';
import { Mailbox } from './pages/mailbox.js';

const NAV = [
  ['/dashboard', 'Overview'],
  ['/dashboard/messages', 'Messages'],
  ['/dashboard/verifications', 'Verifications'],
  ['/dashboard/gateways', 'Gateways'],
  ['/dashboard/inbound', 'Inbound'],
  ['/dashboard/webhooks', 'Webhooks'],
  ['/dashboard/keys', 'API keys'],
];
const DEV_NAV = [
  ['/dashboard/phone', 'Phone'],
  ['/dashboard/mailbox', 'Mailbox'],
];

/** The page for a path: [component, props, title]. */
function route(path, dev) {
  const m = path.match(/^\/dashboard(?:\/([a-z]+))?(?:\/([^/]+))?$/);
  if (!m) return [NotFound, {}, 'Not found'];
  const [, section = '', id] = m;
  const detail = id ? decodeURIComponent(id) : undefined;
  if (section === 'messages') return detail ? [MessageDetail, { id: detail }, `Message ${detail}`] : [Messages, {}, 'Messages'];
  if (section === 'verifications') return detail ? [VerificationDetail, { id: detail }, `Verification ${detail}`] : [Verifications, {}, 'Verifications'];
  if (detail) return [NotFound, {}, 'Not found'];
  const pages = { '': [Overview, 'Overview'], gateways: [Gateways, 'Gateways'], inbound: [Inbound, 'Inbound SMS'], webhooks: [Webhooks, 'Webhooks'], keys: [Keys, 'API keys'] };
  if (dev) Object.assign(pages, { phone: [Phone, 'Phone'], mailbox: [Mailbox, 'Mailbox'] });
  const p = pages[section];
  return p ? [p[0], {}, p[1]] : [NotFound, {}, 'Not found'];
}

function NotFound() {
  return html`<h1>Page not found</h1><p>There is no dashboard page at this address. <a href="/dashboard">Go to the overview</a>.</p>`;
}

const LIVE_WORDS = { live: 'Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…', off: 'Not live' };
function LiveIndicator() {
  const s = useLiveStatus();
  return html`<span class="live live-${s}" role="status" title="Live updates from the server (Server-Sent Events)"><span class="dot" aria-hidden="true"></span>${LIVE_WORDS[s]}</span>`;
}

function Shell({ session, path, onLogout }) {
  const nav = session.dev ? [...NAV, ...DEV_NAV] : NAV;
  const [Page, props, title] = route(path, session.dev);
  useEffect(() => {
    document.title = `${title} · Kirim`;
  }, [title]);
  const current = (href) => (href === '/dashboard' ? path === href : path === href || path.startsWith(href + '/'));
  return html`
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <div class="bar-row">
        <a class="brand" href="/dashboard">Kirim</a>
        <${LiveIndicator} />
        <span class="who">Signed in as <strong>${session.operator.username}</strong></span>
        <button type="button" class="link-button" onClick=${onLogout}>Sign out</button>
      </div>
      <nav aria-label="Dashboard">
        <ul>
          ${nav.map(([href, label]) => html`<li><a href=${href} aria-current=${current(href) ? 'page' : undefined}>${label}</a></li>`)}
        </ul>
      </nav>
    </header>
    <main id="main">
      <${Page} key=${path} ...${props} session=${session} />
    </main>
    <${Announcer} />
  `;
}

function App() {
  const { path, search } = useLocation();
  const [session, setSession] = useState(undefined);
  const [bootError, setBootError] = useState(null);

  const toLogin = () => {
    const here = location.pathname + location.search;
    const next = here.startsWith('/dashboard/login') ? '' : `?next=${encodeURIComponent(here)}`;
    navigate('/dashboard/login' + next, { replace: true });
  };
  const signedIn = (s) => {
    setCsrfToken(s.csrf_token);
    setSession(s);
    connect({ closed: checkSession });
  };
  const signedOut = () => {
    disconnect();
    setCsrfToken('');
    setSession(null);
  };
  const checkSession = async () => {
    try {
      signedIn(await api('/session'));
    } catch (err) {
      if (err.status === 401) {
        signedOut();
        toLogin();
      }
    }
  };

  useEffect(() => {
    onSessionLost(() => {
      signedOut();
      toLogin();
    });
    api('/session').then(signedIn, (err) => {
      if (err.status === 401) {
        setSession(null);
        if (!location.pathname.startsWith('/dashboard/login')) toLogin();
      } else setBootError(err);
    });
  }, []);

  if (bootError) return html`<main id="main" class="narrow"><h1>Kirim dashboard</h1><${ErrorNote} error=${bootError} /><p><button type="button" onClick=${() => location.reload()}>Try again</button></p></main>`;
  if (session === undefined) return html`<p class="boot" role="status">Loading…</p>`;
  if (session === null || path === '/dashboard/login') {
    if (session && path === '/dashboard/login') {
      queueMicrotask(() => navigate(new URLSearchParams(search).get('next') || '/dashboard', { replace: true }));
      return null;
    }
    return html`<${Login} onSignedIn=${(s) => {
      signedIn(s);
      const next = new URLSearchParams(location.search).get('next');
      navigate(next && next.startsWith('/dashboard') && !next.startsWith('/dashboard/login') ? next : '/dashboard', { replace: true });
    }} />`;
  }
  const logout = async () => {
    try {
      await api('/logout', { method: 'POST' });
    } catch {
      // Signed out locally either way; the session lapses on the server.
    }
    signedOut();
    navigate('/dashboard/login', { replace: true });
  };
  return html`<${Shell} session=${session} path=${path} onLogout=${logout} />`;
}

render(html`<${App} />`, document.getElementById('app'));
