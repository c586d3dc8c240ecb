/**
 * "Rook: Convert a Model…" as data (pure): the choices it offers, the folder it proposes to write, and the
 * `rook convert` command line it runs (Rook's own CLI, `dist/rook.js`, in the extension host's Node).
 */
import * as path from 'node:path';

export type ConvertSourceKind = 'checkpoint' | 'gguf' | 'converted';

export const convertSources: { source: ConvertSourceKind; label: string; detail: string }[] = [
  {
    source: 'checkpoint',
    label: 'Convert a Hugging Face checkpoint folder',
    detail: 'Grok-1, Mixtral or another mixture-of-experts model rook convert reads: config.json and safetensors weights',
  },
  { source: 'gguf', label: 'Convert a GGUF file', detail: 'a llama.cpp or Ollama model file (F32, F16, BF16, Q8_0 or Q4_0)' },
  { source: 'converted', label: 'Use a model folder already converted', detail: 'config.json, model.onnx and tokenizer.json, made by rook convert' },
];

export type Quantization = 'int8' | 'int4' | 'float32';

export const quantizations: { quant: Quantization; label: string; detail: string }[] = [
  { quant: 'int8', label: 'int8 (recommended)', detail: 'about 1.1 bytes a parameter on disk, about twice as fast to decode as float32' },
  { quant: 'int4', label: 'int4', detail: 'about 0.6 bytes a parameter; slightly less accurate' },
  { quant: 'float32', label: 'float32', detail: 'about 4 bytes a parameter; exactly the checkpoint\'s numbers' },
];

/** A sibling of the source named after it: `~/models/Mixtral-8x7B` -> `~/models/Mixtral-8x7B-rook`, `x.Q8_0.gguf` -> `x.Q8_0-rook`. */
export function defaultOutputFolder(source: string): string {
  const parsed = path.parse(path.resolve(source));
  const name = parsed.ext.toLowerCase() === '.gguf' ? parsed.name : parsed.base;
  return path.join(parsed.dir, `${name}-rook`);
}

/** The arguments after the Node binary: `dist/rook.js convert SOURCE OUT [--quant Q]`. */
export function convertArguments(rookScript: string, source: string, out: string, quant: Quantization): string[] {
  return [rookScript, 'convert', source, out, ...(quant === 'float32' ? [] : ['--quant', quant])];
}

/** What is at the chosen output path. */
export type OutputFolderState = 'missing' | 'empty' | 'model-folder' | 'other';

/**
 * Why an output folder is refused, or undefined: a new or empty folder, or an earlier conversion's folder (its
 * model files are replaced), never a folder holding other things, nor the source itself.
 */
export function outputFolderError(source: string, out: string, state: (dir: string) => OutputFolderState): string | undefined {
  const dir = out.trim();
  if (dir === '') return 'Type the folder to write the converted model to.';
  if (!path.isAbsolute(dir)) return 'Type a full (absolute) path.';
  if (path.resolve(dir) === path.resolve(source)) return 'Write the converted model to another folder than the source.';
  if (state(path.resolve(dir)) === 'other') return `${dir} already holds other files: choose a new folder.`;
  return undefined;
}
