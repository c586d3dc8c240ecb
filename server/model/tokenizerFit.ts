/**
 * Whether a tokenizer.json's token ids fit a model: every id the tokenizer can produce must index a row of the
 * embedding (`vocab_size`), or the model would be run on an id it has no weights for. Import-free, for the engine's load
 * as for `rook convert`.
 */

/**
 * A problem with the ids of a parsed tokenizer.json against `vocabSize`, or undefined when they fit. The ids are scanned in
 * a loop: a real vocabulary (Grok-1's 131,072 tokens) is too many arguments for one `Math.max(...ids)` call.
 */
export function tokenizerFitProblem(tokenizer: unknown, vocabSize: number): string | undefined {
  const json = tokenizer as { model?: { vocab?: unknown }; added_tokens?: unknown } | null;
  const vocab = json?.model?.vocab;
  let largest = -1;
  let invalid: unknown;
  const consider = (id: unknown) => {
    if (!Number.isSafeInteger(id) || (id as number) < 0) invalid ??= id;
    else if ((id as number) > largest) largest = id as number;
  };
  if (Array.isArray(vocab)) consider(vocab.length - 1);
  else if (typeof vocab === 'object' && vocab !== null) for (const id of Object.values(vocab)) consider(id);
  if (Array.isArray(json?.added_tokens)) for (const token of json.added_tokens) consider((token as { id?: unknown } | null)?.id);
  if (invalid !== undefined) return `has token id ${JSON.stringify(invalid)?.slice(0, 40)}, not a whole number from 0`;
  if (largest >= vocabSize) return `has token id ${largest} but config.json says vocab_size ${vocabSize}; the tokenizer does not belong to these weights`;
  return undefined;
}
