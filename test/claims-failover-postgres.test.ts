/**
 * The failover scenario of claims-failover.test.ts on PostgreSQL: a
 * claimed message stays with the gateway that claimed it while that
 * gateway is cut off and its lease lapses.
 */
import { test } from 'node:test';
import { gammuSmsdInstalled } from '../src/dev/gammu-smsd.js';
import { runFailover } from './support/failover.js';

const skip = !gammuSmsdInstalled() && 'gammu-smsd is not installed';

test('gateway A cut off after its claim, before its spooled report, while its lease lapses: the handset receives the message once, from A; B never gets it (PostgreSQL)', { skip, timeout: 280_000 }, () =>
  runFailover('postgres', 'after the claim, before the spooled report'));
