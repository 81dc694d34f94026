/**
 * Reads a gammu-smsd configuration file the way gammu-smsd 1.42 reads it
 * (libgammu/misc/cfg.c), so the agent and `kirim gateway doctor` see the
 * same values the daemon sees:
 *
 * - a line whose first non-blank character is `#` or `;` is a comment;
 *   there are **no inline comments**: `outboxpath = /x/ # note` gives the
 *   value `/x/ # note` (the RunOnReceive ` #` trick relies on this);
 * - section and key names are case-insensitive; blanks around keys and
 *   values are trimmed; an empty value counts as unset;
 * - within one section the last occurrence of a key wins; across repeated
 *   sections the first section that has the key wins;
 * - paths are used exactly as written: a relative path is relative to the
 *   daemon's working directory, and gammu appends file names to the folder
 *   paths without adding a `/`.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve, dirname } from 'node:path';

/** One `key = value` line. */
export interface IniEntry {
  key: string;
  value: string;
  /** 1-based line number, for messages. */
  line: number;
}

/** One `[section]` in file order (a name may repeat). */
export interface IniSection {
  name: string;
  entries: IniEntry[];
}

/** C's isspace() in the C locale: gammu trims these and nothing else (not U+00A0, not U+FEFF). */
const isCSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
const trimCSpaceEnd = (s: string) => {
  let end = s.length;
  while (end > 0 && isCSpace(s[end - 1]!)) end--;
  return s.slice(0, end);
};

/**
 * Parses INI text with gammu's rules (see the module comment), following
 * gammu's own reader (INI_ReadFile) step by step, because a reader that
 * merely looks alike disagrees on the odd line: section names are kept as
 * written between the brackets (`[ smsd ]` is not `[smsd]`); a header
 * line without its `]`, or an empty `[]`, ends the section (the keys after
 * it belong to none until the next header); before any section, a `[`
 * anywhere on a line opens one; only C blanks are trimmed, so a value
 * ending in U+00A0 keeps it, as gammu-smsd does.
 */
export function parseIni(text: string): IniSection[] {
  const sections: IniSection[] = [];
  // gammu's levels: 0 outside any section, 1 in a header's name, 2 in a
  // section before a key, 3 in a key, 4 before a value, 5 in a value.
  let level = 0;
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((line, i) => {
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
        if (isCSpace(ch)) continue;
        level = 3;
      }
      if (level === 3) {
        if (ch === '=') {
          if (name === '') break;
          name = trimCSpaceEnd(name);
          level = 4;
          continue;
        }
        name += ch;
      }
      if (level === 4) {
        if (isCSpace(ch)) continue;
        level = 5;
      }
      if (level === 5) value += ch;
    }
    if (level === 5) {
      value = trimCSpaceEnd(value);
      if (value) sections[sections.length - 1]!.entries.push({ key: name, value, line: i + 1 });
    }
  });
  return sections;
}

/** gammu's INI_GetValue: first section with the key, last entry within it. */
export function iniGet(sections: IniSection[], section: string, key: string): IniEntry | undefined {
  const s = section.toLowerCase();
  const k = key.toLowerCase();
  for (const sec of sections) {
    if (sec.name.toLowerCase() !== s) continue;
    for (let i = sec.entries.length - 1; i >= 0; i--) {
      const e = sec.entries[i]!;
      if (e.key.toLowerCase() === k) return e;
    }
  }
  return undefined;
}

/** The four spool folders, as absolute paths ending with `/`. */
export interface SpoolDirs {
  inbox: string;
  outbox: string;
  sent: string;
  error: string;
}

/** The keys the agent needs, in the order it reports them. */
export const SPOOL_KEYS = {
  inbox: 'inboxpath',
  outbox: 'outboxpath',
  sent: 'sentsmspath',
  error: 'errorsmspath',
} as const satisfies Record<keyof SpoolDirs, string>;

/** A parsed gammu-smsd configuration. */
export interface SmsdConfig {
  /** The config file as given (gammu-smsd-monitor finds the daemon by this path). */
  file: string;
  sections: IniSection[];
  /** A value from `[smsd]`, undefined when unset. */
  smsd(key: string): string | undefined;
  /** A value from any section. */
  get(section: string, key: string): string | undefined;
  /**
   * Resolves a path value the way the daemon would (relative to `cwd`, the
   * daemon's working directory), keeping a trailing `/` when present.
   */
  resolvePath(value: string): string;
  /** Where `[smsd] logfile` points; undefined when unset, `'syslog'` for syslog. */
  logfile: string | undefined;
}

/** The config file could not be read or is not a gammu-smsd config. */
export class SmsdConfigError extends Error {
  override name = 'SmsdConfigError';
}

/**
 * Reads and parses a gammu-smsd config file.
 * @param cwd the daemon's working directory for relative paths (gammu-smsd
 *   never changes directory, so under systemd this is usually `/`).
 */
export function readSmsdConfig(file: string, { cwd = process.cwd() }: { cwd?: string } = {}): SmsdConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SmsdConfigError(`cannot read gammu-smsd config ${file}: ${code ?? String(err)}`);
  }
  return parseSmsdConfig(text, file, { cwd });
}

/** {@link readSmsdConfig} on text already read; `file` names it in messages. Throws only {@link SmsdConfigError}. */
export function parseSmsdConfig(text: string, file: string, { cwd = process.cwd() }: { cwd?: string } = {}): SmsdConfig {
  const sections = parseIni(text);
  if (!sections.some((s) => s.name.toLowerCase() === 'smsd')) {
    throw new SmsdConfigError(`${file} is not a gammu-smsd config: it has no [smsd] section`);
  }
  const resolvePath = (value: string): string => {
    const abs = isAbsolute(value) ? value : resolve(cwd, value);
    return value.endsWith('/') && !abs.endsWith('/') ? abs + '/' : abs;
  };
  const log = iniGet(sections, 'smsd', 'logfile')?.value;
  return {
    file,
    sections,
    smsd: (key) => iniGet(sections, 'smsd', key)?.value,
    get: (section, key) => iniGet(sections, section, key)?.value,
    resolvePath,
    logfile: log === undefined ? undefined : log.toLowerCase() === 'syslog' ? 'syslog' : resolvePath(log),
  };
}

/**
 * The spool folders the agent works with. Throws {@link SmsdConfigError}
 * with the fix when one is unset, lacks its trailing `/` (gammu would then
 * build wrong file names) or two of them are the same folder.
 */
export function spoolDirs(config: SmsdConfig): SpoolDirs {
  const service = config.smsd('service');
  if (!service || service.toLowerCase() !== 'files') {
    throw new SmsdConfigError(
      `${config.file}: [smsd] service is ${service ? `"${service}"` : 'unset'}; the gateway needs "service = files"`,
    );
  }
  const out: Partial<SpoolDirs> = {};
  for (const [name, key] of Object.entries(SPOOL_KEYS) as Array<[keyof SpoolDirs, string]>) {
    const value = config.smsd(key);
    if (!value) throw new SmsdConfigError(`${config.file}: [smsd] ${key} is not set; set it to an absolute folder ending with "/"`);
    if (!value.endsWith('/')) {
      throw new SmsdConfigError(`${config.file}: [smsd] ${key} = ${value} lacks the trailing "/" gammu needs; write ${value}/`);
    }
    out[name] = config.resolvePath(value);
  }
  const dirs = out as SpoolDirs;
  // Compared normalised: `/s/out/`, `/s/./out/` and `//s/out/` are one folder.
  const seen = new Map<string, string>();
  for (const [name, p] of Object.entries(dirs)) {
    const key = resolve(p);
    const other = seen.get(key);
    if (other) throw new SmsdConfigError(`${config.file}: ${other} and ${name} are the same folder ${key}/; give each its own folder`);
    seen.set(key, name);
  }
  return dirs;
}

/** The default state folder: `kirim-gateway/` beside the outbox folder. */
export function defaultStateDir(dirs: SpoolDirs): string {
  return resolve(dirname(dirs.outbox.replace(/\/+$/, '')), 'kirim-gateway');
}
