/**
 * Property-based tests of how the gateway agent reads gammu's spool: file
 * names and contents found in inbox/, outbox/, sent/ and error/, and the
 * lines of gammu's log that name those files. The parsers (inbox and
 * outbox names, inbox contents in every format, inbox grouping, log lines)
 * never throw on any name, bytes or text, and a name they cannot use is
 * rejected (undefined), never guessed. The agent itself over an arbitrary
 * spool: test/gateway-spool.fuzz.test.ts.
 *
 * Cases: KIRIM_FUZZ_RUNS per property (`npm run fuzz`: 10,000), 500 in
 * `npm test`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzParams, fuzzRuns } from '../../test/support/fuzz.js';
import { isGammuOutboxCandidate, isPlainFileName, parseInboxName, parseOutboxName } from '../gammu/names.js';
import { decodeOutboxText } from '../gammu/text.js';
import { parseGammuLogLine } from './gammu-log.js';
import { decodeInboxFile, decodeSmsBackup, groupInboxFiles, type InboxFile } from './inbox.js';
import { contents, fileName, gammuName, logLine, namePresent } from './spool-arbitraries.js';

const RUNS = fuzzRuns(500);

describe('spool parsers', () => {
  test(`file names: the inbox and outbox name parsers and the outbox filter never throw; what they return comes from the name (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(fileName, (name) => {
        const inbox = parseInboxName(name);
        if (inbox) {
          assert.ok(name.startsWith(`IN${inbox.date}_${inbox.time}_${inbox.serial}_`), name);
          assert.ok(name.includes(inbox.sender));
          assert.ok(Number.isInteger(inbox.part) && inbox.part >= 0 && inbox.part <= 99);
        }
        const outbox = parseOutboxName(name);
        if (outbox) {
          assert.match(outbox.recipient, /^\+?\d{1,15}$/);
          assert.match(outbox.token, /^[A-Za-z0-9_-]{1,48}$/);
          assert.ok(isGammuOutboxCandidate(name), `${name}: an agent name is one gammu sends`);
        }
        assert.equal(typeof isGammuOutboxCandidate(name), 'boolean');
        assert.equal(typeof isPlainFileName(name), 'boolean');
      }),
      fuzzParams(RUNS),
    );
  });

  test(`file contents: every inbox file (text, unicode, binary, SMS backup, any bytes) decodes without throwing (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(fileName, contents, (name, data) => {
        const c = decodeInboxFile(name, data);
        assert.equal(typeof c.text, 'string');
        if (c.parts !== undefined) assert.ok(Number.isInteger(c.parts) && c.parts >= 0);
        if (c.statusReport) {
          assert.equal(typeof c.statusReport.status, 'string');
          assert.equal(typeof c.statusReport.number, 'string');
          assert.equal(typeof c.statusReport.reference, 'number');
        }
        assert.equal(typeof decodeSmsBackup(data.toString('utf8')).text, 'string');
        assert.equal(typeof decodeOutboxText(data), 'string');
      }),
      fuzzParams(RUNS),
    );
  });

  test(`inbox grouping: any set of parsed names and times groups without throwing, every file in exactly one group (${RUNS} cases)`, () => {
    const file = fc.tuple(gammuName, fc.integer({ min: 0, max: 10_000 })).map(([name, mtimeMs]) => ({ name, mtimeMs, parsed: parseInboxName(name) }));
    fc.assert(
      fc.property(fc.array(file, { maxLength: 20 }), (all) => {
        const files = all.filter((f): f is InboxFile => f.parsed !== undefined);
        const groups = groupInboxFiles(files);
        assert.equal(groups.reduce((n, g) => n + g.files.length, 0), files.length);
        for (const g of groups) assert.equal(g.key, g.files[0]!.name);
      }),
      fuzzParams(RUNS),
    );
  });

  test(`log lines: any line parses without throwing, and every file a parsed line names is a plain name in the folder (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(logLine, (marked) => {
        const line = namePresent(marked, []);
        const ev = parseGammuLogLine(line);
        if (ev && 'file' in ev) assert.ok(isPlainFileName(ev.file), `${JSON.stringify(line)} named ${JSON.stringify(ev.file)}`);
      }),
      fuzzParams(RUNS),
    );
  });
});
