import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  dispatchWebviewMessage,
  isExtensionMessage,
  isWebviewMessage,
  type WebviewMessage,
  type WebviewMessageHandlers,
} from '../../../../extension/chat/messages';

/** One of each kind. */
const wellFormedWebviewMessages: WebviewMessage[] = [
  { type: 'ready' },
  { type: 'send', text: 'hi' },
  { type: 'stop' },
  { type: 'copy', code: 'x' },
  { type: 'insert', code: '' },
  { type: 'open', href: 'https://example.com' },
  { type: 'apply', code: 'x' },
  { type: 'newFile', code: 'x', language: '' },
  { type: 'newConversation' },
  { type: 'pickEngine' },
  { type: 'draft', text: 'see @a.ts' },
  { type: 'suggestFiles', query: 'a' },
  { type: 'openConversation', id: 'a' },
  { type: 'renameConversation', id: 'a' },
  { type: 'deleteConversation', id: 'a' },
  { type: 'exportConversation', id: 'a' },
];

describe('isWebviewMessage', () => {
  it('accepts every well-formed message', () => {
    for (const message of wellFormedWebviewMessages) {
      assert.equal(isWebviewMessage(message), true, JSON.stringify(message));
    }
  });

  it('rejects malformed messages', () => {
    for (const message of [
      null,
      undefined,
      'send',
      42,
      {},
      { type: 'unknown' },
      { type: 'send' },
      { type: 'send', text: 42 },
      { type: 'copy', text: 'x' },
      { type: 'insert', code: null },
      { type: 'open', href: { toString: () => 'https://example.com' } },
      { type: 'newFile', code: 'x' },
      { type: 'deleteConversation' },
      { type: 'exportConversation', id: 7 },
      // An extension -> webview message is not a webview message.
      { type: 'start', id: 1 },
    ]) {
      assert.equal(isWebviewMessage(message), false, JSON.stringify(message));
    }
  });
});

describe('dispatchWebviewMessage', () => {
  it('hands each message, as it is, to the handler for its kind', () => {
    const calls: { handler: string; message: WebviewMessage }[] = [];
    const handlers = Object.fromEntries(
      wellFormedWebviewMessages.map(({ type }) => [type, (message: WebviewMessage) => void calls.push({ handler: type, message })]),
    ) as WebviewMessageHandlers;
    for (const message of wellFormedWebviewMessages) dispatchWebviewMessage(handlers, message);
    assert.equal(calls.length, wellFormedWebviewMessages.length);
    calls.forEach(({ handler, message }, index) => {
      assert.equal(message, wellFormedWebviewMessages[index]);
      assert.equal(handler, message.type);
    });
  });
});

describe('isExtensionMessage', () => {
  it('accepts every well-formed message', () => {
    for (const message of [
      { type: 'start', id: 1 },
      { type: 'delta', id: 1, text: 'a' },
      { type: 'done', id: 1, finishReason: 'stop' },
      { type: 'done', id: 2, finishReason: 'length' },
      { type: 'done', id: 3, finishReason: 'cancelled' },
      { type: 'error', id: 1, message: 'no engine' },
      { type: 'status', text: 'local · grok' },
      { type: 'conversation', messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] },
      { type: 'conversation', messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }], sources: [{ message: 1, id: 1, labels: ['a.ts:1-24'] }] },
      { type: 'sources', id: 1, labels: ['a.ts:1-24'] },
      { type: 'history', conversations: [{ id: 'a', title: 'T', updatedAt: 1 }], activeId: 'a' },
      { type: 'context', pieces: [{ kind: 'file', label: 'main.ts' }], tokens: 12, budget: 6000 },
      { type: 'fileSuggestions', query: 'ma', paths: ['main.ts'] },
    ]) {
      assert.equal(isExtensionMessage(message), true, JSON.stringify(message));
    }
  });

  it('rejects malformed messages', () => {
    for (const message of [
      null,
      [],
      { type: 'start' },
      { type: 'start', id: '1' },
      { type: 'conversation', messages: [{ role: 'tool', content: 'q' }] },
      { type: 'conversation', messages: [], sources: {} },
      { type: 'conversation', messages: [], sources: [{ message: 1, id: 'x', labels: [] }] },
      { type: 'conversation', messages: [], sources: [{ message: 1, id: 1, labels: [2] }] },
      { type: 'history', conversations: [{ id: 'a', title: 'T' }], activeId: 'a' },
      { type: 'context', pieces: [{ kind: 'file' }], tokens: 1, budget: 2 },
      { type: 'fileSuggestions', query: 'ma', paths: [1] },
      { type: 'start', id: 1.5 },
      { type: 'start', id: Number.NaN },
      { type: 'delta', id: 1 },
      { type: 'delta', text: 'a' },
      { type: 'done', id: 1 },
      { type: 'done', id: 1, finishReason: 'exploded' },
      { type: 'error', id: 1 },
      { type: 'status', text: 3 },
      { type: 'send', text: 'hi' },
    ]) {
      assert.equal(isExtensionMessage(message), false, JSON.stringify(message));
    }
  });
});
