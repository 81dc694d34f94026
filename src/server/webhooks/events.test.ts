import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WEBHOOK_EVENTS } from '../../protocol/api.js';
import { subscribes } from './events.js';

test('an endpoint hears the events it named, and only those', () => {
  assert.equal(subscribes(['message.delivered'], 'message.delivered'), true);
  assert.equal(subscribes(new Set(['message.delivered']), 'message.delivered'), true);
  assert.equal(subscribes(['message.delivered'], 'message.failed'), false);
  assert.equal(subscribes(new Set(['message.delivered', 'gateway.offline']), 'gateway.online'), false);
  assert.equal(subscribes([], 'message.sent'), false);
});

test('"*" covers every event, in an array or a set, and names no prefix pattern', () => {
  for (const type of WEBHOOK_EVENTS) {
    assert.equal(subscribes(['*'], type), true, type);
    assert.equal(subscribes(new Set(['*']), type), true, type);
  }
  assert.equal(subscribes(['*'], 'an.event.added.later'), true);
  // Only the lone star is special: "message.*" is not a wildcard.
  assert.equal(subscribes(['message.*'], 'message.sent'), false);
});
