import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { TextEvent } from '../../../../server/engines/engine';
import { chatShape, completionShape } from '../../../../server/serve/openaiShapes';
import { chatParams, completionParams } from '../../../../server/serve/params';
import { ApiError } from '../../../../server/serve/apiError';

const limits = { maxPromptChars: 1000, contextLength: 256 };
const piece = (tokens: string[], logprobs: number[], topLogprobs?: TextEvent['topLogprobs']): TextEvent => ({ kind: 'text', text: tokens.join(''), tokens, logprobs, topLogprobs });
const end = { kind: 'end', finishReason: 'length', usage: { promptTokens: 7, completionTokens: 3 } } as const;

describe('openaiShapes: usage and logprobs in OpenAI response shapes', () => {
  test('legacy logprobs: text offsets in code points across stream chunks, the chosen token among its alternatives', () => {
    const shape = completionShape('m', { logprobs: 1, includeUsage: false });
    const first = shape.chunk(piece(['😀', 'a'], [-0.5, -1], [[{ text: '😀', logprob: -0.5 }], [{ text: 'b', logprob: -0.2 }]]), true) as any;
    assert.deepEqual(first.choices[0].logprobs, {
      tokens: ['😀', 'a'],
      token_logprobs: [-0.5, -1],
      top_logprobs: [{ '😀': -0.5 }, { a: -1, b: -0.2 }],
      text_offset: [0, 1],
    });
    assert.deepEqual((shape.chunk(piece(['c'], [-2]), false) as any).choices[0].logprobs.text_offset, [2]);
    assert.ok(!('usage' in first), 'no usage field unless the client asked for it');
  });

  test('two alternatives with one text: the more likely keeps its value', () => {
    const shape = completionShape('m', { logprobs: 2, includeUsage: false });
    const whole = shape.whole([piece(['x'], [-1], [[{ text: '\uFFFD', logprob: -1.5 }, { text: '\uFFFD', logprob: -3 }]])], end) as any;
    assert.deepEqual(whole.choices[0].logprobs.top_logprobs, [{ x: -1, '\uFFFD': -1.5 }]);
    assert.deepEqual(whole.usage, { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
  });

  test('logprobs are null when not asked for, or when the engine gave none', () => {
    assert.equal((completionShape('m', { includeUsage: false }).whole([piece(['a'], [-1])], end) as any).choices[0].logprobs, null);
    const bare: TextEvent = { kind: 'text', text: 'a' };
    assert.equal((completionShape('m', { logprobs: 0, includeUsage: false }).whole([bare], end) as any).choices[0].logprobs, null);
    assert.equal((chatShape('m', { logprobs: 0, includeUsage: false }).chunk(bare, true) as any).choices[0].logprobs, null);
  });

  test('chat: content entries with UTF-8 bytes, usage null in chunks and given in a last chunk without choices', () => {
    const shape = chatShape('m', { logprobs: 1, includeUsage: true });
    const chunk = shape.chunk(piece(['é'], [-0.1], [[{ text: 'é', logprob: -0.1 }]]), true) as any;
    assert.deepEqual(chunk.choices[0].delta, { role: 'assistant', content: 'é' });
    assert.deepEqual(chunk.choices[0].logprobs, { content: [{ token: 'é', logprob: -0.1, bytes: [0xc3, 0xa9], top_logprobs: [{ token: 'é', logprob: -0.1, bytes: [0xc3, 0xa9] }] }], refusal: null });
    assert.equal(chunk.usage, null);
    assert.equal((shape.finish('stop') as any).usage, null);
    const last = shape.usage(end.usage) as any;
    assert.deepEqual(last.choices, []);
    assert.deepEqual(last.usage, { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
  });
});

describe('params: stream_options and logprobs as OpenAI takes them', () => {
  const refusedParam = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      assert.ok(error instanceof ApiError && error.status === 400, String(error));
      return error.param;
    }
    assert.fail('accepted');
  };

  test('stream_options only with stream: true; include_usage a boolean', () => {
    assert.equal(completionParams({ prompt: 'x', stream: true, stream_options: { include_usage: true } }, limits).includeUsage, true);
    assert.equal(completionParams({ prompt: 'x', stream_options: null }, limits).includeUsage, false);
    assert.equal(refusedParam(() => completionParams({ prompt: 'x', stream_options: { include_usage: true } }, limits)), 'stream_options');
    assert.equal(refusedParam(() => chatParams({ messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: 'yes' } }, limits)), 'stream_options.include_usage');
  });

  test('completions: logprobs 0 to 5 is the number of alternatives; chat: top_logprobs only with logprobs: true', () => {
    const completion = completionParams({ prompt: 'x', logprobs: 3 }, limits);
    assert.equal(completion.logprobs, 3);
    assert.equal(completion.request.topLogprobs, 3);
    assert.equal(completionParams({ prompt: 'x' }, limits).logprobs, undefined);
    const messages = [{ role: 'user', content: 'x' }];
    assert.equal(chatParams({ messages, logprobs: true }, limits).logprobs, 0);
    assert.equal(chatParams({ messages, logprobs: true, top_logprobs: 20 }, limits).request.topLogprobs, 20);
    assert.equal(chatParams({ messages, logprobs: false }, limits).logprobs, undefined);
    assert.equal(refusedParam(() => chatParams({ messages, logprobs: false, top_logprobs: 1 }, limits)), 'top_logprobs');
  });
});
