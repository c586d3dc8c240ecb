/**
 * Characters per token of an engine's tokenizer, for turning token budgets into the character
 * budgets the cursor context is cut by. An engine that can encode (the local engine) is measured
 * once on a sample of ordinary code; a remote one gets a conservative estimate. One fixed ratio per
 * engine keeps the budget, and so the prompt's stable start, the same from keystroke to keystroke.
 */
import type { Engine } from '../engines/engine';

/** Code averages 3-4 characters a token in BPE tokenizers; the low end keeps remote prompts within budget. */
export const defaultCharsPerToken = 3;

/** Real prompts vary around the sample's ratio; aim a little low so they still fit. */
const margin = 0.9;

const sample = `import { readFile } from 'node:fs/promises';

export interface Settings {
  name: string;
  retries: number;
}

/** Reads settings from a JSON file, filling in defaults. */
export async function loadSettings(path: string): Promise<Settings> {
  const text = await readFile(path, 'utf8');
  const parsed = JSON.parse(text) as Partial<Settings>;
  return { name: parsed.name ?? 'default', retries: parsed.retries ?? 3 };
}

def fibonacci(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
`;

const measured = new WeakMap<Engine, number>();

interface Encoder {
  encode(text: string): number[];
}

export function charsPerToken(engine: Engine): number {
  const known = measured.get(engine);
  if (known !== undefined) return known;
  const encode = (engine as Partial<Encoder>).encode;
  const ratio = typeof encode === 'function' ? (sample.length / Math.max(1, encode.call(engine, sample).length)) * margin : defaultCharsPerToken;
  measured.set(engine, ratio);
  return ratio;
}
