/**
 * Never twice to a handset when a gateway's lease lapses, with real
 * processes (the scenario: test/support/failover.ts): gateway A cut off
 * after its claim, on SQLite. claims-failover-before-claim.test.ts cuts
 * before the claim, claims-failover-postgres.test.ts runs this on
 * PostgreSQL (one scenario per file keeps each well under the per-file
 * time limit).
 */
import { test } from 'node:test';
import { gammuSmsdInstalled } from '../src/dev/gammu-smsd.js';
import { runFailover } from './support/failover.js';

const skip = !gammuSmsdInstalled() && 'gammu-smsd is not installed';

test('gateway A cut off after its claim, before its spooled report, while its lease lapses: the handset receives the message once, from A; B never gets it (SQLite)', { skip, timeout: 280_000 }, () =>
  runFailover('sqlite', 'after the claim, before the spooled report'));
