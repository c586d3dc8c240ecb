/** What the fuzz harness needs from one input format: valid seeds, a way to feed it one input, and its error type. */

/** What became of an input the target handled without crashing. */
export type Handled = 'accepted' | 'refused';

export interface FuzzTarget {
  /** Valid inputs, laid out as the format's own writers lay them out; mutation starts from these. */
  seeds(): Promise<Uint8Array[]> | Uint8Array[];
  /**
   * Feeds one input: resolves with whether it was accepted or refused with Rook's own error, and throws anything
   * else (a crash). `ownError` says which thrown errors are refusals.
   */
  run(input: Uint8Array): Promise<Handled> | Handled;
  ownError(error: unknown): boolean;
  /**
   * Bytes of output per byte of input a valid input can need (1 for text and headers; a Q4_0 block of 18 bytes
   * decodes to 32 float32s). Allocations are judged against twice the input's size times this.
   */
  expansion: number;
}

/** Where each target module is, relative to this folder: the worker `require`s it by name. */
export const targetModules = {
  gguf: './targets/gguf',
  safetensors: './targets/safetensors',
  sentencepiece: './targets/sentencePiece',
  'config-json': './targets/configJson',
  'tokenizer-json': './targets/tokenizerJson',
  'lsp-frames': './targets/lspFrames',
  'serve-http': './targets/serveHttp',
} as const;

export type TargetName = keyof typeof targetModules;
