/**
 * Every word the demo shows, in one dictionary per language: Indonesian
 * (the default: the seed's users are Indonesian) and English. The English
 * dictionary is typed by the Indonesian one's keys, so a key missing from
 * either fails the type check (and i18n.test.ts checks the placeholders).
 *
 * Which language: the `lang` cookie the switch sets, else the browser's
 * Accept-Language, else Indonesian.
 */

export const LANGS = ['id', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'id';

const id = {
  'app.name': 'Demo Kirim',
  'app.tagline': 'Aplikasi contoh: daftar, verifikasi nomor HP dan email, lalu masuk dengan kode sekali pakai.',
  'app.footer': 'Aplikasi ini memakai Kirim untuk mengirim kode lewat SMS dan email.',
  'lang.label': 'Bahasa',
  'lang.id': 'Bahasa Indonesia',
  'lang.en': 'English',
  'nav.skip': 'Langsung ke isi',

  'home.title': 'Selamat datang',
  'home.intro': 'Buat akun dengan nomor HP dan email Anda. Keduanya kami verifikasi dengan kode, lalu Anda bisa masuk dengan kata sandi dan kode sekali pakai.',
  'home.signup': 'Daftar',
  'home.login': 'Masuk',

  'steps.progress': 'Langkah {n} dari {total}',

  'signup.title': 'Daftar',
  'signup.intro': 'Isi data Anda. Setelah ini kami mengirim kode ke nomor HP Anda, lalu ke email Anda.',
  'signup.submit': 'Daftar dan kirim kode SMS',
  'signup.haveAccount': 'Sudah punya akun?',
  'signup.done': 'Nomor HP dan email Anda sudah terverifikasi. Silakan masuk.',

  'field.name': 'Nama lengkap',
  'field.phone': 'Nomor HP',
  'field.phone.hint': 'Contoh: 081234567890',
  'field.email': 'Email',
  'field.password': 'Kata sandi',
  'field.password.hint': 'Minimal 8 karakter.',
  'field.code': 'Kode verifikasi',
  'field.code.hint': 'Ketik atau tempel kode angka yang kami kirim.',

  'error.name': 'Isi nama Anda.',
  'error.phone': 'Nomor HP ini tidak bisa dipakai. Periksa lagi nomornya.',
  'error.email': 'Alamat email ini tidak valid.',
  'error.password': 'Kata sandi minimal 8 karakter.',
  'error.phoneTaken': 'Nomor HP ini sudah terdaftar.',
  'error.emailTaken': 'Email ini sudah terdaftar.',
  'error.form': 'Periksa isian yang ditandai.',
  'error.csrf': 'Formulir ini sudah kedaluwarsa. Muat ulang halaman lalu coba lagi.',
  'error.unavailable': 'Layanan pengiriman kode sedang tidak tersedia. Coba lagi sebentar lagi.',
  'error.throttled': 'Terlalu banyak percobaan. Coba lagi dalam {s} detik.',
  'error.notFound': 'Halaman tidak ditemukan.',
  'error.title': 'Ada masalah',
  'error.home': 'Kembali ke awal',
  'error.session': 'Sesi Anda sudah berakhir. Silakan mulai lagi.',

  'verify.phone.title': 'Verifikasi nomor HP',
  'verify.phone.intro': 'Kami mengirim kode lewat SMS ke {to}.',
  'verify.phone.done': 'Nomor HP terverifikasi. Sekarang kami mengirim kode ke email Anda.',
  'verify.email.title': 'Verifikasi email',
  'verify.email.intro': 'Kami mengirim kode lewat email ke {to}.',
  'verify.submit': 'Verifikasi',

  'code.attemptsLeft': 'Sisa percobaan: {n}',
  'code.empty': 'Masukkan kode yang kami kirim.',
  'code.wrong': 'Kode salah. Sisa percobaan: {n}.',
  'code.expired': 'Kode sudah kedaluwarsa. Minta kode baru.',
  'code.tooMany': 'Terlalu banyak kode salah. Minta kode baru.',
  'code.failed': 'Kode tidak dapat dikirim. Minta kode baru.',
  'code.gone': 'Tidak ada kode yang berlaku. Minta kode baru.',
  'code.validUntil': 'Kode berlaku sampai pukul {time}.',

  'resend.button': 'Kirim ulang kode',
  'resend.new': 'Kirim kode baru',
  'resend.wait': 'Kirim ulang dalam {s} detik',
  'resend.sent': 'Kode baru sudah dikirim.',
  'resend.tooSoon': 'Tunggu {s} detik sebelum meminta kode lagi.',
  'resend.limit': 'Kode ini sudah terlalu sering dikirim. Tunggu sampai kedaluwarsa, lalu minta kode baru.',

  'login.title': 'Masuk',
  'login.intro': 'Masuk dengan email dan kata sandi. Setelah itu kami mengirim kode sekali pakai ke HP dan email Anda.',
  'login.submit': 'Lanjut',
  'login.bad': 'Email atau kata sandi salah.',
  'login.unverified': 'Hanya akun yang sudah terverifikasi yang bisa masuk. Selesaikan verifikasi dulu.',
  'login.noAccount': 'Belum punya akun?',
  'login.code.title': 'Kode sekali pakai',
  'login.code.intro': 'Kami mengirim kode lewat SMS ke {phone} dan lewat email ke {email}. Pakai salah satu.',
  'login.code.submit': 'Masuk',

  'account.title': 'Halo, {name}',
  'account.intro': 'Anda sudah masuk. Nomor HP dan email Anda terverifikasi.',
  'account.phone': 'Nomor HP',
  'account.email': 'Email',
  'account.verified': 'terverifikasi',
  'account.logout': 'Keluar',
  'account.loggedOut': 'Anda sudah keluar.',
} as const;

export type MessageKey = keyof typeof id;

const en: Record<MessageKey, string> = {
  'app.name': 'Kirim Demo',
  'app.tagline': 'An example application: sign up, verify your phone number and email, then log in with a one-time code.',
  'app.footer': 'This application uses Kirim to send codes by SMS and email.',
  'lang.label': 'Language',
  'lang.id': 'Bahasa Indonesia',
  'lang.en': 'English',
  'nav.skip': 'Skip to content',

  'home.title': 'Welcome',
  'home.intro': 'Create an account with your phone number and email. We verify both with a code; then you can log in with your password and a one-time code.',
  'home.signup': 'Sign up',
  'home.login': 'Log in',

  'steps.progress': 'Step {n} of {total}',

  'signup.title': 'Sign up',
  'signup.intro': 'Fill in your details. Next we send a code to your phone, then one to your email.',
  'signup.submit': 'Sign up and send the SMS code',
  'signup.haveAccount': 'Already have an account?',
  'signup.done': 'Your phone number and email are verified. Please log in.',

  'field.name': 'Full name',
  'field.phone': 'Phone number',
  'field.phone.hint': 'For example: 081234567890',
  'field.email': 'Email',
  'field.password': 'Password',
  'field.password.hint': 'At least 8 characters.',
  'field.code': 'Verification code',
  'field.code.hint': 'Type or paste the number we sent you.',

  'error.name': 'Enter your name.',
  'error.phone': 'This phone number cannot be used. Please check it.',
  'error.email': 'This email address is not valid.',
  'error.password': 'The password needs at least 8 characters.',
  'error.phoneTaken': 'This phone number is already registered.',
  'error.emailTaken': 'This email is already registered.',
  'error.form': 'Please check the marked fields.',
  'error.csrf': 'This form has expired. Reload the page and try again.',
  'error.unavailable': 'The code delivery service is unavailable right now. Please try again shortly.',
  'error.throttled': 'Too many attempts. Try again in {s} seconds.',
  'error.notFound': 'Page not found.',
  'error.title': 'Something went wrong',
  'error.home': 'Back to the start',
  'error.session': 'Your session has ended. Please start again.',

  'verify.phone.title': 'Verify your phone number',
  'verify.phone.intro': 'We sent a code by SMS to {to}.',
  'verify.phone.done': 'Phone number verified. Now we are sending a code to your email.',
  'verify.email.title': 'Verify your email',
  'verify.email.intro': 'We sent a code by email to {to}.',
  'verify.submit': 'Verify',

  'code.attemptsLeft': 'Attempts left: {n}',
  'code.empty': 'Enter the code we sent you.',
  'code.wrong': 'Wrong code. Attempts left: {n}.',
  'code.expired': 'The code has expired. Request a new one.',
  'code.tooMany': 'Too many wrong codes. Request a new one.',
  'code.failed': 'The code could not be delivered. Request a new one.',
  'code.gone': 'There is no valid code. Request a new one.',
  'code.validUntil': 'The code is valid until {time}.',

  'resend.button': 'Resend code',
  'resend.new': 'Send a new code',
  'resend.wait': 'Resend in {s} seconds',
  'resend.sent': 'A new code is on its way.',
  'resend.tooSoon': 'Wait {s} seconds before asking for another code.',
  'resend.limit': 'This code was sent too many times. Wait until it expires, then request a new one.',

  'login.title': 'Log in',
  'login.intro': 'Log in with your email and password. Then we send a one-time code to your phone and your email.',
  'login.submit': 'Continue',
  'login.bad': 'Wrong email or password.',
  'login.unverified': 'Only verified accounts can log in. Please finish the verification first.',
  'login.noAccount': 'No account yet?',
  'login.code.title': 'One-time code',
  'login.code.intro': 'We sent a code by SMS to {phone} and by email to {email}. Either one works.',
  'login.code.submit': 'Log in',

  'account.title': 'Hello, {name}',
  'account.intro': 'You are logged in. Your phone number and email are verified.',
  'account.phone': 'Phone number',
  'account.email': 'Email',
  'account.verified': 'verified',
  'account.logout': 'Log out',
  'account.loggedOut': 'You are logged out.',
};

export const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { id, en };

export const isLang = (v: unknown): v is Lang => typeof v === 'string' && (LANGS as readonly string[]).includes(v);
export const isMessageKey = (v: unknown): v is MessageKey => typeof v === 'string' && Object.hasOwn(id, v);

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** The dictionary lookup for one language; `{name}` placeholders are filled from `vars`. */
export function translator(lang: Lang): Translate {
  const dict = DICTIONARIES[lang];
  return (key, vars = {}) => dict[key].replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** The language for a request: the switch's cookie, else Accept-Language (by q), else Indonesian. */
export function pickLang(cookie: string | undefined, acceptLanguage: string | undefined): Lang {
  if (isLang(cookie)) return cookie;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { lang: tag.trim().toLowerCase().split('-')[0], q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { lang } of ranked) if (isLang(lang)) return lang;
  return DEFAULT_LANG;
}
