/**
 * An answer's sources (`@codebase` files, shown as links) kept with its conversation: saved through the history
 * store and read back, linked again by a session reopening the conversation, and checked as they are read (storage
 * can be corrupt): bounded counts, `file:` URIs, inside a workspace folder, sane lines. A conversation saved before
 * sources were kept still opens.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type * as vscode from 'vscode';
import type { ChatMessage } from '../../../../server/protocol/contract';
import { ChatSession } from '../../../../extension/chat/chatSession';
import type { ContextPiece } from '../../../../extension/chat/contextPrompt';
import type { Conversation } from '../../../../extension/chat/conversation';
import { ConversationStore } from '../../../../extension/chat/conversationStore';
import type { ExtensionMessage } from '../../../../extension/chat/messages';
import { isInsideFolders, maxSourcesPerAnswer, sourcesWithin, validSources } from '../../../../extension/chat/savedSources';

const workspace = path.resolve('/work/project');
const elsewhere = path.resolve('/work/other');
const fileUri = (relative: string, root = workspace) => pathToFileURL(path.join(root, relative)).href;

/** Global state as VS Code keeps it: values go through JSON. */
function memento(initial: Record<string, unknown> = {}): vscode.Memento {
  const values = new Map(Object.entries(initial).map(([key, value]) => [key, JSON.stringify(value)]));
  return {
    keys: () => [...values.keys()],
    get: <T>(key: string, fallback?: T) => (values.has(key) ? JSON.parse(values.get(key)!) : fallback),
    update: async (key: string, value: unknown) => void (value === undefined ? values.delete(key) : values.set(key, JSON.stringify(value))),
  } as vscode.Memento;
}

const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) } as unknown as vscode.CancellationToken;

const answering = (text: string) => ({ chat: async () => ({ text, finishReason: 'stop' as const }) });

function codebasePiece(relative: string, firstLine: number, lastLine: number): ContextPiece {
  return { kind: 'codebase', label: `${relative}:${firstLine + 1}-${lastLine + 1}`, language: 'ts', text: 'code', source: { uri: fileUri(relative), firstLine, lastLine } };
}

const exchange: ChatMessage[] = [
  { role: 'user', content: 'q' },
  { role: 'assistant', content: 'a' },
];
const source = (relative: string, firstLine = 0, lastLine = 23) => ({ label: `${relative}:${firstLine + 1}-${lastLine + 1}`, uri: fileUri(relative), firstLine, lastLine });

describe('sources saved with a conversation', () => {
  it('survive the history store and are linked again by a session reopening the conversation', async () => {
    const store = new ConversationStore(memento());
    const conversation: Conversation = { id: 'c1', title: 'New conversation', updatedAt: 0, messages: [] };
    const live = new ChatSession(answering('It is in util.ts.'), () => {}, conversation, (changed) => void store.save(changed));
    await live.send('@codebase where is add?', token, 'prompt', [
      codebasePiece('src/util.ts', 0, 23),
      { kind: 'file', label: 'main.ts', language: 'ts', text: 'x' },
      codebasePiece('src/math.ts', 16, 39),
    ]);
    await live.send('and subtract?', token, 'prompt');

    const saved = store.get('c1')!;
    assert.deepEqual(saved.sources, [{ answer: 1, files: [source('src/util.ts'), source('src/math.ts', 16, 39)] }]);

    const posted: ExtensionMessage[] = [];
    const reopened = new ChatSession(answering('more'), (message) => posted.push(message), saved, () => {}, [workspace]);
    assert.deepEqual(reopened.pastSources, [{ message: 1, id: 1, labels: ['src/util.ts:1-24', 'src/math.ts:17-40'] }]);
    assert.deepEqual(reopened.sourceAt(1, 1), source('src/math.ts', 16, 39));
    // A new answer in the reopened conversation gets an id of its own.
    await reopened.send('again', token);
    assert.deepEqual(posted[0], { type: 'start', id: 2 });
  });

  it('a conversation saved before sources were kept opens, with no links', async () => {
    const old = { id: 'old', title: 'Old', updatedAt: 1, messages: exchange };
    const store = new ConversationStore(memento({ 'rook.chat.conversations': [old] }));
    const opened = store.get('old')!;
    assert.deepEqual(opened, old);
    const session = new ChatSession(answering('x'), () => {}, opened, () => {}, [workspace]);
    assert.deepEqual(session.pastSources, []);
    assert.equal(session.sourceAt(1, 0), undefined);
  });

  it('corrupt sources in storage are dropped, the conversation still opens', () => {
    const corrupt = { id: 'bad', title: 'Bad', updatedAt: 1, messages: exchange, sources: 'not a list' };
    const store = new ConversationStore(memento({ 'rook.chat.conversations': [corrupt] }));
    assert.deepEqual(store.get('bad'), { id: 'bad', title: 'Bad', updatedAt: 1, messages: exchange });
  });

  it('a saved answer links only to files inside the workspace folders it is opened in', () => {
    const conversation: Conversation = { id: 'c', title: 'T', updatedAt: 0, messages: exchange, sources: [{ answer: 1, files: [source('a.ts'), { ...source('b.ts'), uri: fileUri('b.ts', elsewhere) }] }] };
    const session = new ChatSession(answering('x'), () => {}, conversation, () => {}, [workspace]);
    assert.deepEqual(session.pastSources, [{ message: 1, id: 1, labels: ['a.ts:1-24'] }]);
    assert.deepEqual(new ChatSession(answering('x'), () => {}, conversation, () => {}, [elsewhere]).pastSources, [{ message: 1, id: 1, labels: ['b.ts:1-24'] }]);
    assert.deepEqual(new ChatSession(answering('x'), () => {}, conversation, () => {}, []).pastSources, []);
    // The conversation keeps them all: opened in the other workspace again, its links are back.
    assert.equal(conversation.sources![0].files.length, 2);
  });
});

describe('validSources', () => {
  const messages: ChatMessage[] = [...exchange, { role: 'user', content: 'q2' }, { role: 'assistant', content: 'a2' }];

  it('keeps well-formed entries, in answer order', () => {
    const sources = [
      { answer: 3, files: [source('b.ts')] },
      { answer: 1, files: [source('a.ts', 5, 5)] },
    ];
    assert.deepEqual(validSources(sources, messages), [sources[1], sources[0]]);
  });

  it('gives none for anything but a list', () => {
    for (const raw of [undefined, null, 3, 'x', {}, { answer: 1, files: [] }]) assert.deepEqual(validSources(raw, messages), []);
  });

  it('drops entries that name no assistant message, a message twice, or no files', () => {
    const good = { answer: 1, files: [source('first.ts')] };
    for (const bad of [
      { answer: 0, files: [source('user.ts')] },
      { answer: 4, files: [source('past-the-end.ts')] },
      { answer: -1, files: [source('negative.ts')] },
      { answer: 1.5, files: [source('fraction.ts')] },
      { answer: '1', files: [source('string.ts')] },
      { answer: 3, files: 'x' },
      { answer: 3, files: [] },
      { answer: 3, files: [null, 'x'] },
      null,
    ]) {
      assert.deepEqual(validSources([bad, good], messages), [good], JSON.stringify(bad));
    }
    assert.deepEqual(validSources([good, { answer: 1, files: [source('second.ts')] }], messages), [good]);
  });

  it('drops files that are not file: URIs, or have bad labels or lines', () => {
    const good = source('ok.ts', 3, 9);
    const files = [
      { ...good, uri: 'https://example.com/a.ts' },
      { ...good, uri: 'command:workbench.action.terminal.new' },
      { ...good, uri: 'vscode-remote://host/a.ts' },
      { ...good, uri: 'not a uri' },
      { ...good, uri: 42 },
      { ...good, uri: `file://${'/a'.repeat(3000)}` },
      { ...good, label: '' },
      { ...good, label: 7 },
      { ...good, label: 'x'.repeat(2000) },
      { ...good, firstLine: -1 },
      { ...good, firstLine: 10, lastLine: 9 },
      { ...good, lastLine: 1.5 },
      { ...good, lastLine: 5_000_000 },
      { ...good, firstLine: '3' },
      'ok.ts',
      good,
    ];
    assert.deepEqual(validSources([{ answer: 1, files }], messages), [{ answer: 1, files: [good] }]);
  });

  it('reads at most maxSourcesPerAnswer files an answer, and no more entries than messages', () => {
    const many = Array.from({ length: 100 }, (_, i) => source(`f${i}.ts`));
    assert.equal(validSources([{ answer: 1, files: many }], messages)[0].files.length, maxSourcesPerAnswer);
    const entries = Array.from({ length: 10_000 }, () => ({ answer: 1, files: [source('a.ts')] }));
    assert.equal(validSources(entries, messages).length, 1);
  });

  it('returns URIs canonical, dot segments resolved, so a link cannot climb out of its folder unseen', () => {
    const climbing = { ...source('a.ts'), uri: `${pathToFileURL(workspace).href}/src/../../other/secret.ts` };
    const [entry] = validSources([{ answer: 1, files: [climbing] }], messages);
    assert.equal(entry.files[0].uri, fileUri('secret.ts', elsewhere));
    assert.deepEqual(sourcesWithin([entry], [workspace]), []);
  });
});

describe('isInsideFolders', () => {
  it('holds for files under a folder, not for the folder itself, its siblings or its parents', () => {
    assert.equal(isInsideFolders(fileUri('src/a.ts'), [workspace]), true);
    assert.equal(isInsideFolders(fileUri('..foo.ts'), [workspace]), true);
    assert.equal(isInsideFolders(pathToFileURL(workspace).href, [workspace]), false);
    assert.equal(isInsideFolders(pathToFileURL(`${workspace}-2/a.ts`).href, [workspace]), false);
    assert.equal(isInsideFolders(fileUri('a.ts', path.dirname(workspace)), [workspace]), false);
    assert.equal(isInsideFolders(fileUri('a.ts', elsewhere), [workspace, elsewhere]), true);
    assert.equal(isInsideFolders('https://example.com/work/project/a.ts', [workspace]), false);
  });
});
