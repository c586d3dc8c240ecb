import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as vscode from 'vscode';
import type { GenerationResult } from '../../../../server/protocol/contract';
import { ChatSession } from '../../../../extension/chat/chatSession';
import type { Conversation } from '../../../../extension/chat/conversation';
import type { ExtensionMessage } from '../../../../extension/chat/messages';
import type { ChatInput } from '../../../../extension/sidecar/connection';

/** A token whose cancellation the test flips by hand. */
function cancellationToken(): vscode.CancellationToken & { cancel(): void } {
  const token = {
    isCancellationRequested: false,
    onCancellationRequested: () => ({ dispose() {} }),
    cancel() {
      token.isCancellationRequested = true;
    },
  };
  return token as unknown as vscode.CancellationToken & { cancel(): void };
}

type Answer = (input: ChatInput, onDelta: (text: string) => void, token: vscode.CancellationToken) => Promise<GenerationResult>;

/** A sidecar that answers each call with the next scripted behaviour and records what it was asked. */
function scriptedSidecar(...answers: Answer[]) {
  const inputs: ChatInput[] = [];
  return {
    inputs,
    chat(input: ChatInput, onDelta: (text: string) => void, token: vscode.CancellationToken) {
      inputs.push(structuredClone(input));
      const answer = answers.shift();
      assert.ok(answer, 'unexpected chat request');
      return answer(input, onDelta, token);
    },
  };
}

function streams(...pieces: string[]): Answer {
  return async (_input, onDelta) => {
    pieces.forEach(onDelta);
    return { text: pieces.join(''), finishReason: 'stop' };
  };
}

function session(sidecar: ReturnType<typeof scriptedSidecar>) {
  const posted: ExtensionMessage[] = [];
  const saved: Conversation[] = [];
  const conversation: Conversation = { id: 'c1', title: 'New conversation', updatedAt: 0, messages: [] };
  const chat = new ChatSession(sidecar, (message) => posted.push(message), conversation, (changed) => saved.push(structuredClone(changed)));
  return { chat, posted, saved };
}

describe('ChatSession', () => {
  it('streams an answer as start, deltas and done', async () => {
    const sidecar = scriptedSidecar(streams('Hel', 'lo'));
    const { chat, posted } = session(sidecar);
    await chat.send('Hi', cancellationToken());
    assert.deepEqual(posted, [
      { type: 'start', id: 1 },
      { type: 'delta', id: 1, text: 'Hel' },
      { type: 'delta', id: 1, text: 'lo' },
      { type: 'done', id: 1, finishReason: 'stop' },
    ]);
    assert.deepEqual(sidecar.inputs, [{ messages: [{ role: 'user', content: 'Hi' }], maxTokens: 512 }]);
  });

  it('sends the earlier exchanges with each new question', async () => {
    const sidecar = scriptedSidecar(streams('Hello'), streams('Fine'));
    const { chat, posted } = session(sidecar);
    await chat.send('Hi', cancellationToken());
    await chat.send('How are you?', cancellationToken());
    assert.deepEqual(sidecar.inputs[1].messages, [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello' },
      { role: 'user', content: 'How are you?' },
    ]);
    assert.deepEqual(posted.at(-1), { type: 'done', id: 2, finishReason: 'stop' });
  });

  it('reports a failure as an error message and leaves the failed question out of the history', async () => {
    const sidecar = scriptedSidecar(
      async () => {
        throw new Error('No engine is configured.');
      },
      streams('ok'),
    );
    const { chat, posted } = session(sidecar);
    await chat.send('Hi', cancellationToken());
    assert.deepEqual(posted, [
      { type: 'start', id: 1 },
      { type: 'error', id: 1, message: 'No engine is configured.' },
    ]);
    assert.equal(chat.busy, false);
    await chat.send('Again', cancellationToken());
    assert.deepEqual(sidecar.inputs[1].messages, [{ role: 'user', content: 'Again' }]);
  });

  it('treats a rejection after stop as a stopped answer and keeps what had arrived', async () => {
    const token = cancellationToken();
    const sidecar = scriptedSidecar(
      async (_input, onDelta) => {
        onDelta('Partial');
        token.cancel();
        throw new Error('Request cancelled');
      },
      streams('next'),
    );
    const { chat, posted } = session(sidecar);
    await chat.send('Hi', token);
    assert.deepEqual(posted.at(-1), { type: 'done', id: 1, finishReason: 'cancelled' });
    assert.ok(!posted.some((message) => message.type === 'error'));
    await chat.send('Go on', cancellationToken());
    assert.deepEqual(sidecar.inputs[1].messages.slice(0, 2), [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Partial' },
    ]);
  });

  it('sends the question with its context, and keeps the question as typed', async () => {
    const sidecar = scriptedSidecar(streams('Yes'), streams('Again'));
    const { chat, saved } = session(sidecar);
    await chat.send('Is it right?', cancellationToken(), 'The file main.ts:\n```ts\nx\n```\n\nIs it right?');
    assert.equal(sidecar.inputs[0].messages[0].content, 'The file main.ts:\n```ts\nx\n```\n\nIs it right?');
    assert.equal(saved[0].messages[0].content, 'Is it right?');
    await chat.send('Sure?', cancellationToken());
    assert.equal(sidecar.inputs[1].messages[0].content, 'Is it right?', 'earlier turns go without their context');
  });

  it('passes the cancellation token through to the sidecar', async () => {
    const token = cancellationToken();
    let received: vscode.CancellationToken | undefined;
    const sidecar = scriptedSidecar(async (_input, _onDelta, sidecarToken) => {
      received = sidecarToken;
      return { text: '', finishReason: 'cancelled' };
    });
    const { chat, posted } = session(sidecar);
    await chat.send('Hi', token);
    assert.equal(received, token);
    assert.deepEqual(posted.at(-1), { type: 'done', id: 1, finishReason: 'cancelled' });
  });

  it('ignores a question while an answer is streaming, and empty questions', async () => {
    let finish!: (result: GenerationResult) => void;
    const sidecar = scriptedSidecar(() => new Promise((resolve) => (finish = resolve)));
    const { chat, posted } = session(sidecar);
    const first = chat.send('Hi', cancellationToken());
    assert.equal(chat.busy, true);
    await chat.send('Interrupting', cancellationToken());
    await chat.send('  \n', cancellationToken());
    finish({ text: 'Hello', finishReason: 'stop' });
    await first;
    assert.equal(sidecar.inputs.length, 1);
    assert.deepEqual(posted.filter((message) => message.type === 'start'), [{ type: 'start', id: 1 }]);
    assert.equal(chat.busy, false);
  });

  it('titles the conversation after its first question and reports each exchange to keep', async () => {
    const sidecar = scriptedSidecar(streams('Hello'), streams('Fine'));
    const { chat, saved } = session(sidecar);
    await chat.send('Hi there', cancellationToken());
    await chat.send('How are you?', cancellationToken());
    assert.equal(saved.length, 2);
    assert.equal(saved[1].title, 'Hi there');
    assert.deepEqual(saved[1].messages.map((message) => message.content), ['Hi there', 'Hello', 'How are you?', 'Fine']);
    assert.ok(saved[1].updatedAt > 0);
  });

  it('continues a restored conversation', async () => {
    const sidecar = scriptedSidecar(streams('Again'));
    const posted: ExtensionMessage[] = [];
    const restored: Conversation = { id: 'old', title: 'Old', updatedAt: 1, messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }] };
    await new ChatSession(sidecar, (message) => posted.push(message), restored).send('Next', cancellationToken());
    assert.deepEqual(sidecar.inputs[0].messages.map((message) => message.content), ['Q', 'A', 'Next']);
    assert.equal(restored.title, 'Old', 'a restored conversation keeps its title');
  });
});
