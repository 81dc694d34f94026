/**
 * Property-based tests of the gammu-smsd config reader (smsdrc.ts), which
 * `kirim gateway doctor` and the agent use to find gammu's folders:
 * - any text (and any bytes in a file) is read, or refused with
 *   SmsdConfigError and nothing else;
 * - it reads what gammu-smsd 1.42 reads: a line-by-line reference of
 *   gammu's own reader (libgammu/misc/cfg.c, INI_ReadFile/INI_GetValue, in
 *   its 8-bit mode) gives the same value for every section and key;
 * - valid configs written in any layout (blanks, comments, CR/LF/CRLF,
 *   repeated keys and sections, any case) keep their values, and their
 *   spool folders come back as written.
 *
 * Cases: KIRIM_FUZZ_RUNS per property (`npm run fuzz`: 10,000), 500 in
 * `npm test`.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { fuzzParams, fuzzRuns } from '../../test/support/fuzz.js';
import { defaultStateDir, iniGet, parseIni, parseSmsdConfig, readSmsdConfig, SmsdConfigError, spoolDirs, SPOOL_KEYS } from './smsdrc.js';

const RUNS = fuzzRuns(500);

/** C's isspace() in the C locale. */
const isspace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';

/**
 * gammu's INI_ReadFile (8-bit mode) transcribed: a state machine over each
 * line's characters. Returns sections with entries; lookups as INI_GetValue.
 */
function gammuReference(text: string): Array<{ name: string; entries: Array<[string, string]> }> {
  const sections: Array<{ name: string; entries: Array<[string, string]> }> = [];
  let level = 0;
  for (const line of text.split(/\r|\n/)) {
    if (level === 1) level = 0;
    if (level >= 3) level = 2;
    let name = '';
    let value = '';
    for (const ch of line) {
      if (level === 0) {
        if (ch === '[') level = 1;
        if (ch === ';' || ch === '#') break;
        continue;
      }
      if (level === 1) {
        if (ch === ']') {
          if (name === '') break;
          sections.push({ name, entries: [] });
          level = 2;
          break;
        }
        name += ch;
        continue;
      }
      if (level === 2) {
        if (ch === ';' || ch === '#') break;
        if (ch === '[') {
          level = 1;
          continue;
        }
        if (isspace(ch)) continue;
        level = 3;
      }
      if (level === 3) {
        if (ch === '=') {
          if (name === '') break;
          while (name && isspace(name[name.length - 1]!)) name = name.slice(0, -1);
          level = 4;
          continue;
        }
        name += ch;
      }
      if (level === 4) {
        if (isspace(ch)) continue;
        level = 5;
      }
      if (level === 5) value += ch;
    }
    if (level === 5) {
      while (value && isspace(value[value.length - 1]!)) value = value.slice(0, -1);
      if (value) sections[sections.length - 1]!.entries.push([name, value]);
    }
  }
  return sections;
}

/** INI_GetValue over the reference: the first section with the key, its last entry. */
function gammuGet(sections: ReturnType<typeof gammuReference>, section: string, key: string): string | undefined {
  for (const s of sections) {
    if (s.name.toLowerCase() !== section.toLowerCase()) continue;
    for (let i = s.entries.length - 1; i >= 0; i--) if (s.entries[i]![0].toLowerCase() === key.toLowerCase()) return s.entries[i]![1];
  }
  return undefined;
}

/** Characters that matter to the reader, mixed with anything. */
const iniChar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('[', ']', '=', '#', ';', ' ', '\t', '\n', '\r', '\v', '\f', '/', 's', 'm', 'd', 'S', 'x', '.') },
  { weight: 1, arbitrary: fc.constantFrom('\u00a0', '\ufeff', '\u2028', '\u3000', '\u0085', '\u200b') },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme' }) },
);
/** Config-like text: lines made of headers, key lines, comments and noise. */
const configText = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constantFrom('', ' ', '\t'), fc.constantFrom('smsd', 'SMSD', ' smsd ', 'gammu', '', 'smsd]x', 'include'), fc.constantFrom(']', '', '] # c', ']]')).map(([a, n, b]) => `${a}[${n}${b}`),
      fc.tuple(fc.constantFrom('', '  ', '\t'), fc.constantFrom(...Object.values(SPOOL_KEYS), 'service', 'logfile', 'x', ''), fc.constantFrom('=', ' = ', '=\t', ' '), fc.array(iniChar, { maxLength: 12 }).map((c) => c.join(''))).map((p) => p.join('')),
      fc.array(iniChar, { maxLength: 20 }).map((c) => c.join('')),
    ),
    { maxLength: 15 },
  )
  .chain((lines) => fc.constantFrom('\n', '\r\n', '\r').map((eol) => lines.join(eol)));

const anyText = fc.oneof(configText, fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 100 }));

describe('smsdrc reader', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'kirim-smsdrc-fuzz-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test(`any text: read, or refused with SmsdConfigError and nothing else (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(anyText, fc.constantFrom('/', '/srv/gammu', 'relative'), (text, cwd) => {
        try {
          const config = parseSmsdConfig(text, 'smsdrc', { cwd });
          assert.equal(typeof config.smsd('service'), config.smsd('service') === undefined ? 'undefined' : 'string');
          const dirs = spoolDirs(config);
          for (const p of Object.values(dirs)) assert.ok(p.endsWith('/'), p);
          assert.equal(typeof defaultStateDir(dirs), 'string');
        } catch (err) {
          if (!(err instanceof SmsdConfigError)) throw err;
          assert.ok(err.message.length > 0);
        }
      }),
      fuzzParams(RUNS),
    );
  });

  test(`any bytes in a config file: read, or refused with SmsdConfigError (${RUNS} cases)`, () => {
    const file = join(dir, 'smsdrc');
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), configText.map((t) => Buffer.from(t, 'utf8'))), (bytes) => {
        writeFileSync(file, bytes);
        try {
          spoolDirs(readSmsdConfig(file, { cwd: dir }));
        } catch (err) {
          if (!(err instanceof SmsdConfigError)) throw err;
        }
      }),
      fuzzParams(RUNS),
    );
  });

  test(`every section and key reads as gammu-smsd reads it (a transcription of gammu's reader as reference) (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(configText, (text) => {
        const ours = parseIni(text);
        const ref = gammuReference(text);
        assert.deepEqual(ours.map((s) => s.name), ref.map((s) => s.name), 'the same sections');
        for (const s of ref) {
          for (const [key] of s.entries) assert.equal(iniGet(ours, s.name, key)?.value, gammuGet(ref, s.name, key), `[${s.name}] ${key}`);
        }
        for (const key of [...Object.values(SPOOL_KEYS), 'service', 'logfile']) assert.equal(iniGet(ours, 'smsd', key)?.value, gammuGet(ref, 'smsd', key), key);
      }),
      fuzzParams(RUNS),
    );
  });

  test(`valid configs in any layout keep their values, and their spool folders come back as written (${RUNS} cases)`, () => {
    const word = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/);
    // Values: no line break, no blank at either end (gammu trims those); anything else, '=' '#' ';' and unicode spaces included.
    const value = fc
      .array(fc.oneof(iniChar.filter((c) => !/[\r\n]/.test(c)), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 15 })
      .map((c) => c.join('').replace(/[\r\n]/g, ''))
      .filter((v) => v.length > 0 && !isspace(v[0]!) && !isspace(v[v.length - 1]!));
    const folder = fc.array(fc.stringMatching(/^[A-Za-z0-9 ._@+-]{1,10}$/), { minLength: 1, maxLength: 3 }).map((parts) => `/${parts.join('/')}/`);
    const layout = fc.record({
      lead: fc.constantFrom('', ' ', '\t', '  '),
      eq: fc.constantFrom('=', ' = ', '\t=\t', '= ', ' ='),
      trail: fc.constantFrom('', ' ', '\t'),
      eol: fc.constantFrom('\n', '\r\n', '\r'),
      comment: fc.constantFrom('', '# a comment', '; another', '   # indented'),
    });
    const config = fc.record({
      folders: fc.uniqueArray(folder, { minLength: 4, maxLength: 4, selector: (f) => resolve(f) }),
      service: fc.constantFrom('files', 'FILES', 'Files'),
      smsdName: fc.constantFrom('smsd', 'SMSD', 'Smsd'),
      extra: fc.array(fc.record({ section: word, key: word.filter((k) => !Object.values(SPOOL_KEYS).includes(k.toLowerCase() as never)), value }), { maxLength: 6 }),
      overridden: fc.array(fc.record({ key: fc.constantFrom(...Object.values(SPOOL_KEYS)), value }), { maxLength: 3 }),
      layout,
    });
    fc.assert(
      fc.property(config, ({ folders, service, smsdName, extra, overridden, layout: l }) => {
        const line = (k: string, v: string) => `${l.lead}${k}${l.eq}${v}${l.trail}`;
        const keys = Object.values(SPOOL_KEYS);
        const render = (paths: string[]) => {
          const lines = [l.comment, `[${smsdName}]`, line('service', service)];
          // Earlier values of a key the config then sets again: the last one wins.
          for (const o of overridden) lines.push(line(o.key, o.value));
          keys.forEach((k, i) => lines.push(line(k, paths[i]!), l.comment));
          for (const e of extra) lines.push(`[${e.section}]`, line(e.key, e.value), '');
          // A second [smsd] is consulted only for keys the first lacks.
          lines.push('[smsd]', line('outboxpath', '/second/section/'));
          return lines.join(l.eol);
        };
        const text = render(folders);
        const parsed = parseSmsdConfig(text, 'smsdrc', { cwd: '/' });
        keys.forEach((k, i) => assert.equal(parsed.smsd(k), folders[i], k));
        assert.equal(parsed.smsd('service'), service);
        const dirs = spoolDirs(parsed);
        // Paths are used as written (gammu appends names to them as they are).
        assert.deepEqual(Object.values(dirs), folders);
        // The same folder written twice another way (`/x/./`, `//x/`, `/x/y/../`) is one folder: refused.
        const alias = (f: string, how: number) => [`${f}./`, `/${f}`, `${f}.//`, `${f}sub/../`][how % 4]!;
        for (const [i, j] of [[0, 1], [2, 3], [1, 3]] as const) {
          const twice = render(folders.map((f, k) => (k === j ? alias(folders[i]!, i + j) : f)));
          assert.throws(() => spoolDirs(parseSmsdConfig(twice, 'smsdrc', { cwd: '/' })), SmsdConfigError, `${folders[i]} and ${alias(folders[i]!, i + j)}`);
        }
        const firstOfSection = new Map<string, string>();
        const expected = new Map<string, string>();
        for (const e of extra) {
          const s = e.section.toLowerCase();
          if (s === 'smsd') continue;
          // The first section of that name that has the key; the last entry there.
          const sec = firstOfSection.get(`${s}\u0000${e.key.toLowerCase()}`);
          if (sec === undefined) firstOfSection.set(`${s}\u0000${e.key.toLowerCase()}`, e.value);
          expected.set(`${s}\u0000${e.key.toLowerCase()}`, firstOfSection.get(`${s}\u0000${e.key.toLowerCase()}`)!);
        }
        for (const [k, v] of expected) {
          const [s, key] = k.split('\u0000') as [string, string];
          assert.equal(parsed.get(s, key), v, `[${s}] ${key}`);
        }
      }),
      fuzzParams(RUNS),
    );
  });
});
