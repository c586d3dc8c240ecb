/**
 * The files of a Rook model folder. A module of its own, importing nothing, so the runtime (the local engine) can
 * find a folder's files without loading the converter (graph builder, GGUF, quantization).
 */
export const modelFiles = { config: 'config.json', weights: 'model.safetensors', onnx: 'model.onnx', tokenizer: 'tokenizer.json', gguf: 'model.gguf' } as const;
