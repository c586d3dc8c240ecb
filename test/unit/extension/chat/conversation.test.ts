import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as vscode from 'vscode';
import { conversationToMarkdown, titleFromQuestion, type Conversation } from '../../../../extension/chat/conversation';
import { ConversationStore } from '../../../../extension/chat/conversationStore';

/** Global state as VS Code keeps it in memory: `get` hands out the stored objects themselves. */
function memento(): vscode.Memento {
  const values = new Map<string, unknown>();
  return {
    keys: () => [...values.keys()],
    get: <T>(key: string, fallback?: T) => (values.has(key) ? (values.get(key) as T) : fallback),
    update: async (key: string, value: unknown) => {
      if (value === undefined) values.delete(key);
      else values.set(key, value);
    },
  } as vscode.Memento;
}

const conversation = (id: string, updatedAt: number): Conversation => ({
  id,
  title: `Conversation ${id}`,
  updatedAt,
  messages: [
    { role: 'user', content: `Question ${id}` },
    { role: 'assistant', content: `Answer ${id}` },
  ],
});

describe('conversation titles', () => {
  it('is the first question on one line, shortened', () => {
    assert.equal(titleFromQuestion('  How do I\n  sort  an array? '), 'How do I sort an array?');
    assert.equal(titleFromQuestion('x'.repeat(100)).length, 60);
    assert.ok(titleFromQuestion('x'.repeat(100)).endsWith('…'));
    assert.equal(titleFromQuestion(' \n '), 'New conversation');
  });
});

describe('conversationToMarkdown', () => {
  it('writes a heading per turn, questions quoted and answers as written', () => {
    const markdown = conversationToMarkdown({
      id: '1',
      title: 'Adding numbers',
      updatedAt: 0,
      messages: [
        { role: 'user', content: 'How do I add?\n\nIn TypeScript.' },
        { role: 'assistant', content: 'Like this:\n\n```ts\nconst sum = a + b;\n```\n' },
      ],
    });
    assert.equal(
      markdown,
      '# Adding numbers\n\n## You\n\n> How do I add?\n>\n> In TypeScript.\n\n## Rook\n\nLike this:\n\n```ts\nconst sum = a + b;\n```\n',
    );
  });
});

describe('ConversationStore', () => {
  it('lists the most recently updated first and keeps what it saved', async () => {
    const store = new ConversationStore(memento());
    await store.save(conversation('a', 1));
    await store.save(conversation('b', 3));
    await store.save(conversation('c', 2));
    assert.deepEqual(store.list().map((entry) => entry.id), ['b', 'c', 'a']);
    assert.deepEqual(store.get('c'), conversation('c', 2));
  });

  it('replaces a conversation saved again, renames and deletes', async () => {
    const store = new ConversationStore(memento());
    await store.save(conversation('a', 1));
    await store.save({ ...conversation('a', 5), messages: [] });
    assert.equal(store.list().length, 1);
    assert.deepEqual(store.get('a')?.messages, []);
    await store.rename('a', 'Renamed');
    assert.equal(store.get('a')?.title, 'Renamed');
    await store.setActive('a');
    await store.delete('a');
    assert.equal(store.get('a'), undefined);
    assert.equal(store.activeId, undefined, 'the deleted conversation is no longer the active one');
  });

  it('hands out copies, so a session adding to one does not change what is stored', async () => {
    const store = new ConversationStore(memento());
    await store.save(conversation('a', 1));
    store.get('a')!.messages.push({ role: 'user', content: 'unsaved' });
    assert.equal(store.get('a')!.messages.length, 2);
  });

  it('keeps at most 50 conversations, dropping the oldest', async () => {
    const store = new ConversationStore(memento());
    for (let i = 0; i < 55; i++) await store.save(conversation(String(i), i));
    assert.equal(store.list().length, 50);
    assert.equal(store.get('0'), undefined);
    assert.ok(store.get('54'));
  });
});
