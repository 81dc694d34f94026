/**
 * The demo application: the seed's scenario as a small web application of
 * its own, mounted at /demo. A person signs up (name, phone, email,
 * password), proves the phone with an SMS code and the email with an email
 * code, and only then may log in: password, then a one-time code sent by
 * SMS and by email (either works; using one cancels the other).
 *
 * It is built as any application that uses Kirim would be:
 * - it talks to Kirim only through `kirim/client` over HTTP (never through
 *   the server's internals; lint keeps src/demo from importing them), with
 *   the API key kept server-side: no page or script ever sees it;
 * - it keeps its own users and sessions (store.ts, its own SQLite file);
 * - its pages are rendered on the server and work without JavaScript.
 *
 * Security: session cookie HttpOnly, SameSite=Lax, Path=/demo (Secure over
 * HTTPS), only its hash stored, a new session on log-in; every form carries
 * the session's CSRF token, compared in constant time; sign-up and password
 * attempts are limited per client address; a Content-Security-Policy allows
 * only the demo's own stylesheet and script.
 */
import { timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Kirim, KirimError, type Verification } from '../client/index.js';
import { CSS, JS } from './assets.js';
import { isLang, pickLang, translator, type Lang, type MessageKey, type Translate } from './i18n.js';
import { WindowLimiter } from './limiter.js';
import { DuplicateUserError, openDemoStore, type DemoStore, type Flash, type Flow, type Session, type Track, type User } from './store.js';
import { accountPage, BASE, codePage, errorPage, homePage, loginPage, maskEmail, maskPhone, signupPage, type FieldErrors, type PageContext } from './views.js';

export const SESSION_COOKIE = 'demo_session';
export const LANG_COOKIE = 'demo_lang';

export interface KirimConnection {
  baseUrl: string;
  apiKey: string;
}

export interface DemoOptions {
  /** Folder of the demo's own database (kirim dev: <data-dir>/demo). */
  dir: string;
  /** Where Kirim answers and the API key to use; may resolve later (kirim dev creates its key once the server listens). */
  kirim: KirimConnection | Promise<KirimConnection>;
  /**
   * The https origin the demo's pages are served under (KIRIM_DEMO_ORIGIN).
   * The demo makes it its key's web_origin before its first code, so each
   * OTP SMS ends with `@host #code` and the page's WebOTP call can read it;
   * unset, the key's settings are left alone.
   */
  webOrigin?: string;
  now?: () => number;
}

interface RequestState {
  token: string;
  session: Session;
  lang: Lang;
  t: Translate;
}

const CSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const channelOf = { phone: 'sms', email: 'email' } as const;
type Step = keyof typeof channelOf;

/** A Fastify plugin serving the demo under /demo. */
export function demoApp(options: DemoOptions): FastifyPluginAsync {
  return async (app) => {
    await app.register(async (demo) => demoRoutes(demo, options), { prefix: BASE });
  };
}

async function demoRoutes(demo: FastifyInstance, options: DemoOptions): Promise<void> {
  const now = options.now ?? Date.now;
  await demo.register(fastifyFormbody, { bodyLimit: 16 * 1024 });
  await demo.register(fastifyCookie);
  const store: DemoStore = openDemoStore(join(options.dir, 'demo.db'), { now });
  demo.addHook('onClose', async () => store.close());

  // Short retry budget: a person is waiting for the page; a 429 with a long
  // Retry-After goes straight to them as "wait N seconds".
  let client: Promise<Kirim> | undefined;
  const kirim = () => (client ??= connect().catch((err) => {
    client = undefined; // the next request tries again
    throw err;
  }));
  async function connect(): Promise<Kirim> {
    const k = new Kirim({ ...(await options.kirim), maxRetryWaitMs: 2000 });
    if (options.webOrigin) {
      // Like any application would: the key's other settings are kept.
      try {
        const { web_origin, android_app_hash, default_locale, templates } = await k.settings.get();
        if (web_origin !== options.webOrigin) await k.settings.put({ web_origin: options.webOrigin, android_app_hash, default_locale, templates });
      } catch (err) {
        // A key without the settings scope (one kept from before it existed)
        // still sends codes; they only lack the origin-bound line.
        if (!(err instanceof KirimError) || err.status === 0 || err.status >= 500) throw err;
        demo.log.warn({ err: err.detail }, `demo: could not set web_origin ${options.webOrigin} on its API key; its SMS carry no origin-bound line`);
      }
    }
    return k;
  }

  const signups = new WindowLimiter(20, 10 * 60_000, now);
  const passwordFailures = new WindowLimiter(10, 15 * 60_000, now);

  const states = new WeakMap<FastifyRequest, RequestState>();
  const st = (req: FastifyRequest) => states.get(req)!;

  const setSessionCookie = (req: FastifyRequest, reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, { path: BASE, httpOnly: true, sameSite: 'lax', secure: req.protocol === 'https' });

  demo.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  demo.get('/demo.css', { config: { asset: true } }, async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(CSS));
  demo.get('/demo.js', { config: { asset: true } }, async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(JS));

  // Session, language and CSRF for every page and form.
  demo.addHook('preHandler', async (req, reply) => {
    if ((req.routeOptions.config as { asset?: boolean } | undefined)?.asset) return;
    const lang = pickLang(req.cookies[LANG_COOKIE], req.headers['accept-language']);
    let token = req.cookies[SESSION_COOKIE];
    let session = token ? store.session(token) : undefined;
    if (!token || !session) {
      ({ token, session } = store.createSession());
      setSessionCookie(req, reply, token);
    }
    const state: RequestState = { token, session, lang, t: translator(lang) };
    states.set(req, state);
    if (req.method === 'POST') {
      const sent = (req.body as Record<string, unknown> | undefined)?._csrf;
      if (!sameToken(sent, session.csrf)) {
        return reply.code(403).type('text/html; charset=utf-8').send(errorPage(page(req, state), state.t('error.csrf')));
      }
    }
  });

  demo.setErrorHandler(async (err, req, reply) => {
    const e = err as { statusCode?: number };
    const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
    if (status === 500) req.log.error({ err }, 'demo: unhandled error');
    const state = states.get(req) ?? fallbackState(req);
    return reply.code(status).type('text/html; charset=utf-8').send(errorPage(page(req, state), state.t(status === 500 ? 'error.unavailable' : 'error.notFound')));
  });
  demo.setNotFoundHandler(async (req, reply) => {
    const state = fallbackState(req);
    return reply.code(404).type('text/html; charset=utf-8').send(errorPage(page(req, state), state.t('error.notFound')));
  });

  const fallbackState = (req: FastifyRequest): RequestState => {
    const lang = pickLang(req.cookies?.[LANG_COOKIE], req.headers['accept-language']);
    return { token: '', session: { tokenHash: '', csrf: '', userId: null, flow: null, flash: null, expiresAt: 0 }, lang, t: translator(lang) };
  };

  /** The page context, consuming the session's one-time message. */
  function page(req: FastifyRequest, state = st(req)): PageContext {
    const flash = state.session.flash;
    if (flash && state.token) {
      state.session.flash = null;
      store.saveSession(state.session);
    }
    return { lang: state.lang, t: state.t, csrf: state.session.csrf, path: req.url.split('?')[0]!, flash };
  }

  const send = (reply: FastifyReply, body: string, status = 200) => reply.code(status).type('text/html; charset=utf-8').send(body);

  /** Saves the session (with an optional message for the next page) and redirects (303: the next request is a GET). */
  function go(req: FastifyRequest, reply: FastifyReply, to: string, flash?: Flash) {
    const { session } = st(req);
    if (flash) session.flash = flash;
    store.saveSession(session);
    return reply.redirect(`${BASE}${to}`, 303);
  }

  const form = (req: FastifyRequest, name: string, max = 200) => {
    const v = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof v === 'string' ? v.trim().slice(0, max) : '';
  };

  const currentUser = (req: FastifyRequest): User | undefined => {
    const id = st(req).session.userId;
    return id ? store.userById(id) : undefined;
  };

  /** The flash for a Kirim error that is not about the code itself. */
  const serviceProblem = (err: unknown): Flash => {
    if (err instanceof KirimError && err.code === 'rate_limited') return { tone: 'error', key: 'resend.tooSoon', vars: { s: err.retryAfter ?? 30 } };
    if (!(err instanceof KirimError)) throw err;
    return { tone: 'error', key: 'error.unavailable' };
  };

  const start = async (req: FastifyRequest, to: string, channel: 'sms' | 'email') =>
    (await kirim()).startVerification({ to, channel, locale: st(req).lang, ip: req.ip });

  // ---- pages ----

  demo.get('/', async (req, reply) => (currentUser(req) ? reply.redirect(`${BASE}/account`, 303) : send(reply, homePage(page(req)))));

  demo.get('/lang/:lang', async (req, reply) => {
    const { lang } = req.params as { lang: string };
    const next = (req.query as { next?: string }).next ?? '';
    if (isLang(lang)) reply.setCookie(LANG_COOKIE, lang, { path: BASE, sameSite: 'lax', maxAge: 365 * 24 * 3600, secure: req.protocol === 'https' });
    // Only back into the demo: never an open redirect.
    const safe = /^\/demo(\/[\w-]+)*\/?$/.test(next) ? next : `${BASE}/`;
    return reply.redirect(safe, 303);
  });

  demo.get('/signup', async (req, reply) => (currentUser(req) ? reply.redirect(`${BASE}/account`, 303) : send(reply, signupPage(page(req)))));

  demo.post('/signup', async (req, reply) => {
    const { t } = st(req);
    const values = { name: form(req, 'name', 100), phone: form(req, 'phone', 32), email: form(req, 'email', 254).toLowerCase() };
    const password = (req.body as Record<string, unknown>)?.password;
    const errors: FieldErrors = {};
    if (!values.name) errors.name = t('error.name');
    if (!/^\+?[0-9 ()-]{6,20}$/.test(values.phone)) errors.phone = t('error.phone');
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email)) errors.email = t('error.email');
    if (typeof password !== 'string' || password.length < 8 || password.length > 200) errors.password = t('error.password');
    const again = (errs: FieldErrors, flash: Flash = { tone: 'error', key: 'error.form' }, status = 422) => {
      st(req).session.flash = flash;
      return send(reply, signupPage(page(req), values, errs), status);
    };
    if (Object.keys(errors).length) return again(errors);
    const wait = signups.hit(req.ip);
    if (wait) return again({}, { tone: 'error', key: 'error.throttled', vars: { s: wait } }, 429);
    if (store.emailTaken(values.email)) return again({ email: t('error.emailTaken') });
    const guess = guessE164(values.phone);
    if (guess && store.phoneTaken(guess)) return again({ phone: t('error.phoneTaken') });

    // Kirim validates and normalises the number (E.164) as it starts the SMS.
    let v: Verification;
    try {
      v = await start(req, values.phone, 'sms');
    } catch (err) {
      if (err instanceof KirimError && (err.code === 'invalid_destination' || err.code === 'validation_failed')) return again({ phone: t('error.phone') });
      return again({}, serviceProblem(err), err instanceof KirimError && err.code === 'rate_limited' ? 429 : 503);
    }
    let user: User;
    try {
      user = await store.createUser({ name: values.name, phone: v.to, email: values.email, password: password as string });
    } catch (err) {
      if (!(err instanceof DuplicateUserError)) throw err;
      await (await kirim()).cancelVerification(v.id).catch(() => {});
      return again({ [err.field]: t(err.field === 'phone' ? 'error.phoneTaken' : 'error.emailTaken') });
    }
    st(req).session.flow = { step: 'phone', userId: user.id, sms: { to: v.to, id: v.id } };
    return go(req, reply, '/verify/phone');
  });

  // ---- verify phone, then email ----

  const flowFor = (req: FastifyRequest, step: Flow['step']): { flow: Flow; user: User } | undefined => {
    const flow = st(req).session.flow;
    if (!flow || flow.step !== step) return undefined;
    const user = store.userById(flow.userId);
    return user ? { flow, user } : undefined;
  };

  /** Where a session in the middle of a flow belongs. */
  const resume = (req: FastifyRequest, reply: FastifyReply) => {
    const flow = st(req).session.flow;
    if (flow?.step === 'phone' || flow?.step === 'email') return go(req, reply, `/verify/${flow.step}`);
    if (flow?.step === 'login') return go(req, reply, '/login/code');
    return go(req, reply, '/', { tone: 'error', key: 'error.session' });
  };

  for (const step of ['phone', 'email'] as const) {
    const channel = channelOf[step];

    demo.get(`/verify/${step}`, async (req, reply) => {
      const f = flowFor(req, step);
      if (!f) return resume(req, reply);
      const track = f.flow[channel];
      const views = track ? await readTracks(req, [track]) : [];
      const c = page(req);
      const destination = step === 'phone' ? maskPhone(f.user.phone) : maskEmail(f.user.email);
      return send(reply, codePage(withStatusMessage(c, views), {
        title: c.t(`verify.${step}.title`),
        intro: c.t(`verify.${step}.intro`, { to: destination }),
        step: step === 'phone' ? 2 : 3,
        sms: step === 'phone',
        submitLabel: c.t('verify.submit'),
        ...codeState(views, `${BASE}/verify/${step}`, `${BASE}/verify/${step}/resend`),
        now: now(),
      }));
    });

    demo.post(`/verify/${step}`, async (req, reply) => {
      const f = flowFor(req, step);
      if (!f) return resume(req, reply);
      const code = form(req, 'code', 40).replace(/\D/g, '');
      if (!code) return go(req, reply, `/verify/${step}`, { tone: 'error', key: 'code.empty' });
      const track = f.flow[channel];
      if (!track) return go(req, reply, `/verify/${step}`, { tone: 'error', key: 'code.gone' });
      const outcome = await checkTracks([track], code);
      if (outcome.kind === 'problem') return go(req, reply, `/verify/${step}`, outcome.flash);
      if (outcome.kind !== 'approved') return go(req, reply, `/verify/${step}`, outcome.flash);
      store.markVerified(f.user.id, step);
      // Phone first, then email: once the email is proven, the account is ready.
      if (step === 'email' || f.user.emailVerifiedAt) {
        st(req).session.flow = null;
        return go(req, reply, '/login', { tone: 'success', key: 'signup.done' });
      }
      // The phone is proven: on to the email.
      const next: Flow = { step: 'email', userId: f.user.id, email: { to: f.user.email } };
      st(req).session.flow = next;
      try {
        const v = await start(req, f.user.email, 'email');
        next.email = { to: v.to, id: v.id };
        if (v.to !== f.user.email) store.setEmail(f.user.id, v.to);
        return go(req, reply, '/verify/email', { tone: 'success', key: 'verify.phone.done' });
      } catch (err) {
        return go(req, reply, '/verify/email', serviceProblem(err));
      }
    });

    demo.post(`/verify/${step}/resend`, async (req, reply) => {
      const f = flowFor(req, step);
      if (!f) return resume(req, reply);
      const to = step === 'phone' ? f.user.phone : f.user.email;
      try {
        const v = await start(req, to, channel);
        f.flow[channel] = { to: v.to, id: v.id };
        return go(req, reply, `/verify/${step}`, { tone: 'info', key: 'resend.sent' });
      } catch (err) {
        return go(req, reply, `/verify/${step}`, serviceProblem(err));
      }
    });
  }

  // ---- log in: password, then a one-time code by SMS and email ----

  demo.get('/login', async (req, reply) => (currentUser(req) ? reply.redirect(`${BASE}/account`, 303) : send(reply, loginPage(page(req)))));

  demo.post('/login', async (req, reply) => {
    const email = form(req, 'email', 254).toLowerCase();
    const password = (req.body as Record<string, unknown>)?.password;
    const again = (flash: Flash, status: number) => {
      st(req).session.flash = flash;
      return send(reply, loginPage(page(req), { email }), status);
    };
    const limitKey = `${req.ip}\0${email}`;
    const wait = passwordFailures.retryAfter(limitKey);
    if (wait) return again({ tone: 'error', key: 'error.throttled', vars: { s: wait } }, 429);
    const user = typeof password === 'string' && password.length <= 200 ? await store.authenticate(email, password) : undefined;
    if (!user) {
      passwordFailures.hit(limitKey);
      return again({ tone: 'error', key: 'login.bad' }, 401);
    }
    // Only a verified account may log in: an unverified one finishes its verification first.
    if (!user.phoneVerifiedAt || !user.emailVerifiedAt) {
      const step: Step = user.phoneVerifiedAt ? 'email' : 'phone';
      const channel = channelOf[step];
      const to = step === 'phone' ? user.phone : user.email;
      st(req).session.flow = { step, userId: user.id, [channel]: { to } };
      try {
        const v = await start(req, to, channel);
        st(req).session.flow![channel] = { to: v.to, id: v.id };
      } catch {
        // A code may already be on its way (429); the page offers a new one.
      }
      return go(req, reply, `/verify/${step}`, { tone: 'error', key: 'login.unverified' });
    }
    const flow: Flow = { step: 'login', userId: user.id, sms: { to: user.phone }, email: { to: user.email } };
    st(req).session.flow = flow;
    const [sms, mail] = await Promise.allSettled([start(req, user.phone, 'sms'), start(req, user.email, 'email')]);
    if (sms.status === 'fulfilled') flow.sms = { to: sms.value.to, id: sms.value.id };
    if (mail.status === 'fulfilled') flow.email = { to: mail.value.to, id: mail.value.id };
    const failed = [sms, mail].find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    return go(req, reply, '/login/code', failed && sms.status === 'rejected' && mail.status === 'rejected' ? serviceProblem(failed.reason) : undefined);
  });

  demo.get('/login/code', async (req, reply) => {
    const f = flowFor(req, 'login');
    if (!f) return resume(req, reply);
    const tracks = [f.flow.sms, f.flow.email].filter((x): x is Track => !!x);
    const views = await readTracks(req, tracks);
    const c = page(req);
    return send(reply, codePage(withStatusMessage(c, views), {
      title: c.t('login.code.title'),
      intro: c.t('login.code.intro', { phone: maskPhone(f.user.phone), email: maskEmail(f.user.email) }),
      submitLabel: c.t('login.code.submit'),
      sms: true,
      ...codeState(views, `${BASE}/login/code`, `${BASE}/login/code/resend`),
      now: now(),
    }));
  });

  demo.post('/login/code', async (req, reply) => {
    const f = flowFor(req, 'login');
    if (!f) return resume(req, reply);
    const code = form(req, 'code', 40).replace(/\D/g, '');
    if (!code) return go(req, reply, '/login/code', { tone: 'error', key: 'code.empty' });
    const tracks = [f.flow.sms, f.flow.email].filter((x): x is Track => !!x);
    const outcome = await checkTracks(tracks, code);
    if (outcome.kind !== 'approved') return go(req, reply, '/login/code', outcome.flash);
    // Either code logs in; the other one must not work any more.
    const k = await kirim();
    await Promise.all(
      tracks
        .filter((tr) => tr.id && tr.id !== outcome.verification.id)
        .map((tr) => k.cancelVerification(tr.id!).catch((err: unknown) => req.log.info({ err }, 'demo: the other login code could not be canceled'))),
    );
    // A new session on log-in: a session id seen before signing in is worth nothing after.
    const old = st(req);
    store.deleteSession(old.session.tokenHash);
    const { token, session } = store.createSession();
    session.userId = f.user.id;
    store.saveSession(session);
    setSessionCookie(req, reply, token);
    return reply.redirect(`${BASE}/account`, 303);
  });

  demo.post('/login/code/resend', async (req, reply) => {
    const f = flowFor(req, 'login');
    if (!f) return resume(req, reply);
    const results = await Promise.allSettled([start(req, f.user.phone, 'sms'), start(req, f.user.email, 'email')]);
    const [sms, mail] = results;
    if (sms.status === 'fulfilled') f.flow.sms = { to: sms.value.to, id: sms.value.id };
    if (mail.status === 'fulfilled') f.flow.email = { to: mail.value.to, id: mail.value.id };
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected.length === results.length) return go(req, reply, '/login/code', serviceProblem(rejected[0]!.reason));
    return go(req, reply, '/login/code', { tone: 'info', key: 'resend.sent' });
  });

  // ---- signed in ----

  demo.get('/account', async (req, reply) => {
    const user = currentUser(req);
    if (!user) return go(req, reply, '/login');
    return send(reply, accountPage(page(req), user));
  });

  demo.post('/logout', async (req, reply) => {
    store.deleteSession(st(req).session.tokenHash);
    const { token, session } = store.createSession();
    session.flash = { tone: 'info', key: 'account.loggedOut' };
    store.saveSession(session);
    setSessionCookie(req, reply, token);
    return reply.redirect(`${BASE}/login`, 303);
  });

  // ---- Kirim's answers, read for the pages ----

  /** The verifications behind the tracks (a track without an id, or one Kirim no longer knows, is left out). */
  async function readTracks(req: FastifyRequest, tracks: Track[]): Promise<Verification[]> {
    const k = await kirim();
    const out: Verification[] = [];
    for (const tr of tracks) {
      if (!tr.id) continue;
      try {
        out.push(await k.getVerification(tr.id));
      } catch (err) {
        if (!(err instanceof KirimError)) throw err;
        if (err.code !== 'not_found') {
          st(req).session.flash ??= serviceProblem(err);
        }
      }
    }
    return out;
  }

  type Outcome = { kind: 'approved'; verification: Verification } | { kind: 'rejected' | 'problem'; flash: Flash };

  /**
   * Checks the code against each pending track until one approves it. A
   * wrong code costs one attempt on each (the person may have typed either
   * one); the message reports the fewest attempts left.
   */
  async function checkTracks(tracks: Track[], code: string): Promise<Outcome> {
    const k = await kirim();
    const seen: Verification[] = [];
    for (const tr of tracks) {
      try {
        const v = await k.checkVerification(tr.id ? { id: tr.id, code } : { to: tr.to, code });
        tr.id = v.id;
        if (v.status === 'approved') return { kind: 'approved', verification: v };
        seen.push(v);
      } catch (err) {
        if (err instanceof KirimError && err.code === 'not_found') continue;
        return { kind: 'problem', flash: serviceProblem(err) };
      }
    }
    return { kind: 'rejected', flash: statusFlash(seen, true) };
  }
}

/** What the code form shows for these verifications. */
function codeState(views: Verification[], checkAction: string, resendAction: string) {
  const pending = views.filter((v) => v.status === 'pending');
  if (pending.length === 0) return { ended: true, resendAction };
  return {
    ended: false,
    checkAction,
    resendAction,
    attemptsLeft: Math.min(...pending.map((v) => v.attempts_left)),
    expiresAt: pending.map((v) => v.expires_at).sort()[0],
    resendAt: pending.map((v) => v.next_resend_at).sort().at(-1),
  };
}

/**
 * The message for verifications that did not approve: a wrong code while
 * any is pending, else why they ended (too many attempts, expired,
 * undeliverable, gone).
 */
export function statusFlash(views: Verification[], afterCheck: boolean): Flash {
  const pending = views.filter((v) => v.status === 'pending');
  if (pending.length) {
    const n = Math.min(...pending.map((v) => v.attempts_left));
    return afterCheck ? { tone: 'error', key: 'code.wrong', vars: { n } } : { tone: 'info', key: 'code.attemptsLeft', vars: { n } };
  }
  const has = (s: Verification['status']) => views.some((v) => v.status === s);
  const key: MessageKey = has('max_attempts_reached') ? 'code.tooMany' : has('expired') ? 'code.expired' : has('failed') ? 'code.failed' : 'code.gone';
  return { tone: 'error', key };
}

/** Shows why no code can be entered when the page has no other message. */
function withStatusMessage(c: PageContext, views: Verification[]): PageContext {
  if (c.flash || views.some((v) => v.status === 'pending')) return c;
  return { ...c, flash: statusFlash(views, false) };
}

function sameToken(sent: unknown, expected: string): boolean {
  if (typeof sent !== 'string' || !expected) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The E.164 form of an Indonesian number as people write it (0812…, 62812…,
 * +62 812-…), to refuse a number already registered before any SMS goes
 * out; Kirim's answer stays the authority (checked again after it).
 */
export function guessE164(phone: string): string | undefined {
  const digits = phone.replace(/[\s()-]/g, '');
  if (/^\+[1-9]\d{6,14}$/.test(digits)) return digits;
  if (/^0\d{8,13}$/.test(digits)) return `+62${digits.slice(1)}`;
  if (/^62\d{8,13}$/.test(digits)) return `+${digits}`;
  return undefined;
}
