/**
 * The failover scenario of claims-failover.test.ts with gateway A cut off
 * before its claim: A must not write the message, B sends it, once.
 */
import { test } from 'node:test';
import { gammuSmsdInstalled } from '../src/dev/gammu-smsd.js';
import { runFailover } from './support/failover.js';

const skip = !gammuSmsdInstalled() && 'gammu-smsd is not installed';

test('gateway A cut off before its claim while its lease lapses: A writes nothing, B sends it, the handset receives it once (SQLite)', { skip, timeout: 280_000 }, () =>
  runFailover('sqlite', 'before the claim'));
