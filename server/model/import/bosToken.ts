/**
 * Whether a Hugging Face tokenizer starts a prompt with its BOS token, as transformers' tokenizers do when they encode
 * text: tokenizer_config.json's `add_bos_token` when it says, else whether tokenizer.json's post-processor puts a
 * special token before the text (Llama's `<s> $A`), else — for a byte-level BPE tokenizer, which Qwen, OLMoE, Granite
 * and gpt-oss ship without a BOS template — no. Undefined leaves the config's own value (SentencePiece models start
 * with BOS).
 */
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The post-processor's template for a single text, or inside a Sequence (one level: real files nest no deeper). */
function singleTemplate(postProcessor: unknown, nested = false): unknown[] | undefined {
  if (!isObject(postProcessor)) return undefined;
  if (postProcessor.type === 'TemplateProcessing' && Array.isArray(postProcessor.single)) return postProcessor.single;
  if (!nested && postProcessor.type === 'Sequence' && Array.isArray(postProcessor.processors)) {
    // Real sequences hold two or three processors; a hostile file's long list is not walked far.
    for (const processor of postProcessor.processors.slice(0, 8)) {
      const template = singleTemplate(processor, true);
      if (template) return template;
    }
  }
  return undefined;
}

/** Whether any of the tokenizer's pre-tokenizer or decoder steps is byte-level (GPT-2's byte-to-unicode alphabet). */
function isByteLevel(tokenizer: Json): boolean {
  const steps = (part: unknown): unknown[] => (isObject(part) ? (Array.isArray(part.pretokenizers) ? part.pretokenizers : Array.isArray(part.decoders) ? part.decoders : [part]) : []);
  return [...steps(tokenizer.pre_tokenizer), ...steps(tokenizer.decoder)].slice(0, 16).some((step) => isObject(step) && step.type === 'ByteLevel');
}

export function addsBosToken(tokenizer: unknown, tokenizerConfig: unknown): boolean | undefined {
  if (isObject(tokenizerConfig) && typeof tokenizerConfig.add_bos_token === 'boolean') return tokenizerConfig.add_bos_token;
  if (!isObject(tokenizer)) return undefined;
  const template = singleTemplate(tokenizer.post_processor);
  if (template) {
    const first = template[0];
    return isObject(first) && isObject(first.SpecialToken);
  }
  return isByteLevel(tokenizer) ? false : undefined;
}
