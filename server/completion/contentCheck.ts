/**
 * Content a completion should not be built from: binary data and text that was not valid UTF-8
 * (decoded with replacement characters). Only a sample is checked, so the cost is bounded on
 * huge documents.
 */
const sampleChars = 8192;

/** Why `text` is unusable as prompt material, or undefined when it is fine. */
export function unusableContentReason(text: string, around = 0): string | undefined {
  const start = Math.max(0, around - sampleChars / 2);
  const sample = text.slice(start, start + sampleChars);
  if (sample.includes('\u0000')) return 'the document looks binary (it contains NUL characters)';
  let replacements = 0;
  for (let at = sample.indexOf('\uFFFD'); at !== -1; at = sample.indexOf('\uFFFD', at + 1)) replacements++;
  if (replacements > 8 && replacements > sample.length / 100) return 'the document is not valid UTF-8 text';
  return undefined;
}
