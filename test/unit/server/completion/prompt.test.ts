import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { charsPerToken, defaultCharsPerToken } from '../../../../server/completion/charsPerToken';
import { cursorContext } from '../../../../server/completion/cursorContext';
import type { Engine } from '../../../../server/engines/engine';
import { fimTemplateFor } from '../../../../server/completion/fimTemplates';
import { buildPrompt } from '../../../../server/completion/prompt';
import { maxPromptTokens, promptBudget } from '../../../../server/completion/promptBudget';

const context = cursorContext('def f(a):\n    return a\n\nx = f(1)\n', 'def f(a):\n    '.length);

describe('fimTemplateFor', () => {
  const cases: [string, string | undefined, string][] = [
    ['bigcode/starcoder2-3b', 'starcoder', '<fim_prefix>P<fim_suffix>S<fim_middle>'],
    ['Qwen/Qwen2.5-Coder-1.5B', 'qwen-coder', '<|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>'],
    ['qwen3-coder:30b-a3b', 'qwen-coder', '<|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>'],
    ['deepseek-ai/deepseek-coder-6.7b-base', 'deepseek-coder', '<｜fim▁begin｜>P<｜fim▁hole｜>S<｜fim▁end｜>'],
    ['codestral-22b', 'codestral', '[SUFFIX]S[PREFIX]P'],
    ['ibm-granite/granite-3.1-3b-a800m-base', 'granite', '<fim_prefix>P<fim_suffix>S<fim_middle>'],
    ['ibm-granite/granite-3.0-1b-a400m-instruct', 'granite', '<fim_prefix>P<fim_suffix>S<fim_middle>'],
    ['granite3.1-moe:3b', 'granite', '<fim_prefix>P<fim_suffix>S<fim_middle>'],
    ['ibm-granite/granite-8b-code-base-4k', 'granite', '<fim_prefix>P<fim_suffix>S<fim_middle>'],
    ['granite-code:20b', 'granite', '<fim_prefix>P<fim_suffix>S<fim_middle>'],
  ];
  for (const [model, name, prompt] of cases) {
    test(`${model} uses the ${name} template`, () => {
      const template = fimTemplateFor(model);
      assert.equal(template?.name, name);
      assert.equal(template?.build('P', 'S'), prompt);
    });
  }
  test("granite ends at Granite 3's <|end_of_text|> and the code models' <|endoftext|>, and at any marker it starts", () => {
    assert.deepEqual(fimTemplateFor('ibm-granite/granite-3.3-8b-base')?.stop, ['<|end_of_text|>', '<|endoftext|>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<fim_pad>', '<reponame>']);
  });
  test('base models without FIM tokens have no template', () => {
    assert.equal(fimTemplateFor('grok-1'), undefined);
    assert.equal(fimTemplateFor('rook-moe-mini'), undefined);
    assert.equal(fimTemplateFor('Qwen/Qwen2.5-7B-Instruct'), undefined);
    // Granite 4 spells its markers as Qwen does: not Granite 3's template.
    assert.equal(fimTemplateFor('ibm-granite/granite-4.0-h-tiny'), undefined);
  });
});

describe('buildPrompt', () => {
  test("an engine that takes a suffix gets it as is, snippets before the prefix", () => {
    const { request, style } = buildPrompt({ model: 'rook', fim: true }, context, '# snippet\n', true);
    assert.equal(style, 'engine-fim');
    assert.equal(request.prompt, '# snippet\ndef f(a):\n    ');
    assert.equal(request.suffix, 'return a\n\nx = f(1)\n');
    assert.deepEqual(request.stop, ['\n\n\n']);
    assert.equal(request.tokenHealing, true, 'the prompt ends at the cursor: the engine may heal a partly typed word');
  });
  test('a single-line request sends only the next lines of suffix, which each keystroke recomputes', () => {
    const long = cursorContext('x = |\na\nb\nc\nd\ne\n'.replace('|', ''), 4);
    const { request } = buildPrompt({ model: 'rook', fim: true }, long, '', false);
    assert.equal(request.suffix, '\na\nb\n');
    assert.deepEqual(request.stop, ['\n']);
  });
  test('a known remote code model gets its template in the prompt and its end markers as stops', () => {
    const { request, style } = buildPrompt({ model: 'Qwen2.5-Coder-7B', fim: false }, context, '', false);
    assert.equal(style, 'template:qwen-coder');
    assert.equal(request.suffix, undefined);
    assert.equal(request.tokenHealing, undefined, 'the cursor is inside a template: its prompt does not end there');
    assert.equal(request.prompt, '<|fim_prefix|>def f(a):\n    <|fim_suffix|>return a\n\nx = f(1)\n<|fim_middle|>');
    assert.ok(request.stop?.includes('\n') && request.stop.includes('<|endoftext|>'));
  });
  test('a base model without FIM gets the prefix only', () => {
    const { request, style } = buildPrompt({ model: 'grok-1', fim: false }, context, '', false);
    assert.equal(style, 'prefix-only');
    assert.deepEqual(request, { prompt: 'def f(a):\n    ', stop: ['\n'], tokenHealing: true });
  });
  test('the prompt start stays the same while the user types', () => {
    const doc = 'import os\n'.repeat(50) + 'value = os.pa';
    const first = buildPrompt({ model: 'starcoder2', fim: false }, cursorContext(doc, doc.length), '// s\n', false).request.prompt;
    const next = buildPrompt({ model: 'starcoder2', fim: false }, cursorContext(doc + 't', doc.length + 1), '// s\n', false).request.prompt;
    assert.ok(next.startsWith(first.slice(0, first.indexOf('value'))));
  });
});

describe('charsPerToken', () => {
  const engineWith = (extra: object) => ({ info: { kind: 'local', model: 'm', location: '' }, ...extra }) as unknown as Engine;
  test("an engine that encodes is measured with its own tokenizer, once", () => {
    let calls = 0;
    const engine = engineWith({ encode: (text: string) => (calls++, Array.from({ length: Math.ceil(text.length / 2) }, () => 0)) });
    const ratio = charsPerToken(engine);
    assert.ok(ratio > 1.7 && ratio <= 2, `${ratio}`);
    assert.equal(charsPerToken(engine), ratio);
    assert.equal(calls, 1);
  });
  test('a remote engine gets the conservative default', () => {
    assert.equal(charsPerToken(engineWith({})), defaultCharsPerToken);
  });
});

describe('promptBudget', () => {
  test('fits the context length minus the answer, in characters', () => {
    const budget = promptBudget(512, 64, 3);
    const total = budget.prefixChars + budget.suffixChars + budget.snippetChars;
    assert.ok(total <= (512 - 64) * 3, `${total}`);
    assert.ok(budget.prefixChars > budget.suffixChars);
  });
  test('is capped for long-context models, whose prompt cost grows with length', () => {
    const budget = promptBudget(131072, 64, 3.5);
    assert.ok(budget.prefixChars + budget.suffixChars + budget.snippetChars <= maxPromptTokens * 3.5);
  });
});
