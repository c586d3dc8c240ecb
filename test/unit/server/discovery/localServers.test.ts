import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ollamaTemplateFim, serverNameFromOwner } from '../../../../server/discovery/localServers';

describe('identifying a local server', () => {
  test("names a server by the owned_by its /v1/models documents", () => {
    assert.equal(serverNameFromOwner('llamacpp'), 'llama.cpp server');
    assert.equal(serverNameFromOwner('organization_owner'), 'LM Studio');
    assert.equal(serverNameFromOwner('vllm'), 'vLLM');
    assert.equal(serverNameFromOwner('rook'), 'rook serve');
    assert.equal(serverNameFromOwner('someone'), 'OpenAI-compatible server');
    assert.equal(serverNameFromOwner(undefined), 'OpenAI-compatible server');
  });

  test("reads FIM from an Ollama model's template: it takes a suffix", () => {
    // qwen2.5-coder's template from Ollama's library, and llama3.2's (chat only).
    const qwenCoder = '{{- if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>\n{{- else if .Messages }}{{ range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}{{ else }}{{ .Prompt }}{{ end }}';
    const codellama = '{{ if .Suffix }}<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>{{ else }}{{ .Prompt }}{{ end }}';
    const llama = '<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ range .Messages }}{{ .Content }}{{ end }}';
    assert.equal(ollamaTemplateFim(qwenCoder), true);
    assert.equal(ollamaTemplateFim(codellama), true);
    assert.equal(ollamaTemplateFim(llama), false);
    assert.equal(ollamaTemplateFim(undefined), false);
    assert.equal(ollamaTemplateFim('Suffix: {{ .Prompt }}'), false);
  });
});
