import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chatPriority, completionPriority } from '../../server/engines/local/engineTurns';
import { KvSlots, minReusedTokens, type KvSlot } from '../../server/engines/local/kvSlots';
import type { DecoderSession } from '../../server/engines/local/decoderSession';

const slot = (tokens: number[]): KvSlot => ({ decoder: {} as DecoderSession, tokens });
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

test('kv slots: a prompt that goes on from a cached one gets that cache', async () => {
  const keystroke = slot(range(0, 40));
  const slots = new KvSlots([slot([]), keystroke, slot(range(100, 40))]);
  assert.equal(await slots.acquire([...range(0, 35), 7, 7], completionPriority), keystroke);
});

test('kv slots: a prompt sharing only its first tokens takes an empty slot, else the least recently used', async () => {
  const completion = slot([1, 5, 6, 7, 8, 9]);
  const empty = slot([]);
  const slots = new KvSlots([completion, empty]);
  const chatPrompt = [1, ...range(50, minReusedTokens + 5)];
  const taken = await slots.acquire(chatPrompt, chatPriority);
  assert.equal(taken, empty, 'the chat took the completion cache for a shared start token');
  taken.tokens.push(...chatPrompt);
  slots.release(taken);
  // Both hold caches now: an unrelated prompt takes the one used least recently (the completion's, untouched since).
  assert.equal(await slots.acquire(range(200, 10), chatPriority), completion);
});

test('kv slots: with every slot taken, a completion waiting is served before chats that came first', async () => {
  const slots = new KvSlots([slot([])]);
  const first = await slots.acquire([1, 2], chatPriority);
  const order: string[] = [];
  const chat = slots.acquire([3], chatPriority).then((taken) => (order.push('chat'), taken));
  const completion = slots.acquire([4], completionPriority).then((taken) => (order.push('completion'), taken));
  assert.equal(slots.busyCount, 1);
  slots.release(first);
  slots.release(await completion);
  await chat;
  assert.deepEqual(order, ['completion', 'chat']);
});
