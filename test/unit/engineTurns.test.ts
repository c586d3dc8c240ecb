import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chatPriority, completionPriority, EngineTurns } from '../../server/engines/local/engineTurns';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('engine turns: one at a time, equal priorities in order of arrival', async () => {
  const turns = new EngineTurns();
  const order: string[] = [];
  const release = await turns.acquire(chatPriority);
  const b = turns.acquire(chatPriority).then((done) => (order.push('b'), done));
  const c = turns.acquire(chatPriority).then((done) => (order.push('c'), done));
  await tick();
  assert.deepEqual(order, [], 'nobody starts while the turn is held');
  release();
  (await b)();
  (await c)();
  assert.deepEqual(order, ['b', 'c']);
});

test('engine turns: a waiting completion goes before waiting chats, whatever their arrival', async () => {
  const turns = new EngineTurns();
  const order: string[] = [];
  const release = await turns.acquire(chatPriority);
  const chat = turns.acquire(chatPriority).then((done) => (order.push('chat'), done));
  const completion = turns.acquire(completionPriority).then((done) => (order.push('completion'), done));
  release();
  (await completion)();
  (await chat)();
  assert.deepEqual(order, ['completion', 'chat']);
});
