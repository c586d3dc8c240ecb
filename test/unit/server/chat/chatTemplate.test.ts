import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { chatTemplateFile, compileChatTemplate, readChatTemplate, tokenizerConfigFile } from '../../../../server/chat/chatTemplate';
import { renderInSandbox } from '../../../../server/chat/templateSandbox';
import type { ChatMessage } from '../../../../server/protocol/contract';

/** Qwen2.5-Coder-Instruct's template (ChatML), as published in its tokenizer_config.json, tool branches removed. */
const chatMlTemplate =
  "{%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}" +
  "{%- else %}{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}{%- endif %}" +
  "{%- for message in messages %}{%- if (message.role == 'user') or (message.role == 'system' and not loop.first) or (message.role == 'assistant') %}" +
  "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}{%- endif %}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

/** Mistral-7B-Instruct-v0.1's template: alternating roles only, no system role, BOS and EOS as text. */
const mistralTemplate =
  "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
  "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
  "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}" +
  "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}" +
  "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

const conversation: ChatMessage[] = [
  { role: 'system', content: 'You are Rook.' },
  { role: 'user', content: 'What is 2+2?' },
  { role: 'assistant', content: '4' },
  { role: 'user', content: 'And 3+3?' },
];

describe('chat templates', () => {
  it('renders a ChatML template with the generation prompt at the end', async () => {
    const template = compileChatTemplate({ chat_template: chatMlTemplate, eos_token: '<|im_end|>' });
    assert.equal(
      await template?.render(conversation),
      '<|im_start|>system\nYou are Rook.<|im_end|>\n' +
        '<|im_start|>user\nWhat is 2+2?<|im_end|>\n' +
        '<|im_start|>assistant\n4<|im_end|>\n' +
        '<|im_start|>user\nAnd 3+3?<|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
    assert.equal(template?.eosToken, '<|im_end|>');
  });

  it('folds the system message into the first user message when the template rejects a system role', async () => {
    const template = compileChatTemplate({ chat_template: mistralTemplate, eos_token: { content: '</s>' } });
    // No BOS text: the engine adds BOS as a token id.
    assert.equal(await template?.render(conversation), '[INST] You are Rook.\n\nWhat is 2+2? [/INST]4</s> [INST] And 3+3? [/INST]');
  });

  it('still reports a template error that is not about the system role', async () => {
    const template = compileChatTemplate({ chat_template: mistralTemplate });
    await assert.rejects(template!.render([{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }]), /must alternate/);
  });

  it('picks the default of several named templates', async () => {
    const template = compileChatTemplate({
      chat_template: [
        { name: 'tool_use', template: 'tools' },
        { name: 'default', template: '{% for m in messages %}{{ m.role }}:{{ m.content }};{% endfor %}' },
      ],
    });
    assert.equal(await template?.render([{ role: 'user', content: 'hi' }]), 'user:hi;');
  });

  it('reads chat_template.jinja beside a tokenizer_config.json without chat_template, with the eos_token of the config', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'rook-template-'));
    try {
      // As transformers 4.47+ saves a tokenizer: the template in its own file, the special tokens in the config.
      fs.writeFileSync(path.join(folder, tokenizerConfigFile), JSON.stringify({ bos_token: null, eos_token: '<|im_end|>', tokenizer_class: 'Qwen2Tokenizer' }));
      fs.writeFileSync(path.join(folder, chatTemplateFile), chatMlTemplate);
      const template = readChatTemplate(folder);
      assert.equal(await template?.render([{ role: 'user', content: 'hi' }]), '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
      assert.equal(template?.eosToken, '<|im_end|>');
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('prefers chat_template.jinja to the config\'s chat_template, as transformers does, read as Python reads text', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'rook-template-'));
    try {
      fs.writeFileSync(path.join(folder, tokenizerConfigFile), JSON.stringify({ chat_template: 'from the config', eos_token: '</s>' }));
      // Saved on Windows: Python's text mode reads \r\n as \n, and Jinja drops the one newline that ends a template.
      fs.writeFileSync(path.join(folder, chatTemplateFile), '{% for m in messages %}{{ m.role }}: {{ m.content }}\r\n{% endfor %}\r\n');
      assert.equal(await readChatTemplate(folder)?.render([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }]), 'user: a\nassistant: b\n');
      // No tokenizer_config.json at all: the file alone is the template, with no end-of-text text.
      fs.rmSync(path.join(folder, tokenizerConfigFile));
      assert.equal(readChatTemplate(folder)?.eosToken, undefined);
      fs.writeFileSync(path.join(folder, chatTemplateFile), '{% if %}');
      assert.throws(() => readChatTemplate(folder), /chat_template\.jinja: unusable chat_template/);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('has no template for a base model, and names the file of a broken one', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'rook-template-'));
    try {
      assert.equal(readChatTemplate(folder), undefined, 'no tokenizer_config.json');
      fs.writeFileSync(path.join(folder, tokenizerConfigFile), JSON.stringify({ eos_token: '</s>' }));
      assert.equal(readChatTemplate(folder), undefined, 'no chat_template');
      fs.writeFileSync(path.join(folder, tokenizerConfigFile), JSON.stringify({ chat_template: '{% for %}' }));
      assert.throws(() => readChatTemplate(folder), /tokenizer_config\.json: unusable chat_template/);
      fs.writeFileSync(path.join(folder, tokenizerConfigFile), '{"chat_template": ');
      assert.throws(() => readChatTemplate(folder), /tokenizer_config\.json: not valid JSON/);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('chat templates from outside render apart, within limits', () => {
  const hi: ChatMessage[] = [{ role: 'user', content: 'hi' }];
  const plain = { source: '{% for m in messages %}{{ m.role }}:{{ m.content }};{% endfor %}', messages: hi };

  it('a template that would render for minutes is ended at the deadline, and the next render works', async () => {
    // A macro calling itself twice: 2^30 calls (the library's interpreter manages about 100,000 a second).
    const exponential = '{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(30) }}';
    const started = performance.now();
    await assert.rejects(renderInSandbox({ source: exponential, messages: hi }, 1000), /^Error: the chat template did not render within 1 s$/);
    assert.ok(performance.now() - started < 60_000);
    assert.equal(await renderInSandbox(plain), 'user:hi;');
  });

  it("a loop of a billion fills the worker's heap, not the process", async () => {
    // In the sidecar's own thread this range() ends the process: V8 aborts on an array past its size limit.
    await assert.rejects(renderInSandbox({ source: '{% for i in range(1000000000) %}x{% endfor %}', messages: hi }), /^Error: the chat template needed more than 256 MB to render$/);
    assert.equal(await renderInSandbox(plain), 'user:hi;');
  });

  it('a template that fills the heap fails with a message, and the next render works', async () => {
    const doubling = "{% set ns = namespace(s='x') %}{% for i in range(34) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}";
    await assert.rejects(renderInSandbox({ source: doubling, messages: hi }), /the chat template needed more than 256 MB to render|Invalid string length/);
    assert.equal(await renderInSandbox(plain), 'user:hi;');
  });
});
