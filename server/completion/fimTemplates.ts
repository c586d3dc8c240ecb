/**
 * Fill-in-the-middle prompt templates of remote code models, chosen by the model name the engine
 * reports. Used when an endpoint does not take a `suffix` itself (most vLLM, SGLang and llama.cpp
 * `/v1/completions` servers): the template is then written into the prompt as plain text, with the
 * model's own end markers as stop strings. Models without a template (Grok-1 and other base models)
 * get a prefix-only prompt.
 */
export interface FimTemplate {
  name: string;
  build(prefix: string, suffix: string): string;
  stop: string[];
}

const templates: readonly { pattern: RegExp; template: FimTemplate }[] = [
  {
    pattern: /qwen.*coder|codeqwen/,
    template: {
      name: 'qwen-coder',
      build: (prefix, suffix) => `<|fim_prefix|>${prefix}<|fim_suffix|>${suffix}<|fim_middle|>`,
      stop: ['<|endoftext|>', '<|fim_pad|>', '<|file_sep|>', '<|repo_name|>', '<|im_start|>'],
    },
  },
  {
    pattern: /deepseek.*coder/,
    template: {
      name: 'deepseek-coder',
      build: (prefix, suffix) => `<｜fim▁begin｜>${prefix}<｜fim▁hole｜>${suffix}<｜fim▁end｜>`,
      stop: ['<｜end▁of▁sentence｜>', '<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>'],
    },
  },
  {
    // Codestral puts the suffix first; the prefix then grows at the prompt's end, which suits prefix caches.
    pattern: /codestral/,
    template: { name: 'codestral', build: (prefix, suffix) => `[SUFFIX]${suffix}[PREFIX]${prefix}`, stop: ['</s>', '[SUFFIX]', '[PREFIX]'] },
  },
  {
    // Granite Code and Granite 3.x (`granite-3.1-3b-a800m-base`, Ollama's `granite3.1-moe`) kept StarCoder's markers;
    // Granite 3 renamed its end of text, the code models kept StarCoder's. Granite 4 spells them as Qwen does.
    pattern: /granite.*code|granite-?3/,
    template: {
      name: 'granite',
      build: (prefix, suffix) => `<fim_prefix>${prefix}<fim_suffix>${suffix}<fim_middle>`,
      stop: ['<|end_of_text|>', '<|endoftext|>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<fim_pad>', '<reponame>'],
    },
  },
  {
    pattern: /starcoder|santacoder|refact|stable-?code/,
    template: {
      name: 'starcoder',
      build: (prefix, suffix) => `<fim_prefix>${prefix}<fim_suffix>${suffix}<fim_middle>`,
      stop: ['<|endoftext|>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<file_sep>'],
    },
  },
];

/** The FIM template for a model name such as `Qwen/Qwen2.5-Coder-1.5B`; undefined when there is none. */
export function fimTemplateFor(model: string): FimTemplate | undefined {
  const name = model.toLowerCase();
  return templates.find(({ pattern }) => pattern.test(name))?.template;
}
