/**
 * What the picker of models already on this machine shows (pure, so it is tested without VS Code): one entry per GGUF
 * in Ollama's and LM Studio's stores, runnable ones first; the others are shown with why Rook cannot run them, so a
 * user who looks for a model learns why it is not offered.
 */
import type { DiscoveredModelFile } from '../../server/protocol/contract';

export interface ModelFileChoice {
  label: string;
  description: string;
  detail: string;
  /** The path for `rook.local.modelPath`; undefined for a model Rook cannot run. */
  file?: string;
}

function size(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 1e6))} MB`;
}

export function modelFileChoices(files: readonly DiscoveredModelFile[]): ModelFileChoice[] {
  return [...files]
    .sort((a, b) => Number(b.runnable) - Number(a.runnable))
    .map((model) => ({
      label: model.runnable ? model.name : `$(circle-slash) ${model.name}`,
      description: [model.source, model.architecture, size(model.sizeBytes), model.fim ? 'fill-in-the-middle' : undefined].filter(Boolean).join(' · '),
      detail: model.runnable ? model.file : `Not supported: ${model.problem ?? 'Rook cannot run it'}`,
      file: model.runnable ? model.file : undefined,
    }));
}

/** The modal's question: what will change, and that the first load converts the file (once). */
export function confirmationForFile(choice: ModelFileChoice & { file: string }): string {
  return `Use ${choice.label} (${choice.description}) as Rook's local model? This sets rook.engine to "local" and rook.local.modelPath to ${choice.file} in your user settings. The first load converts the file for ONNX Runtime, once (a notification shows the progress and can cancel it); later starts load the converted copy.`;
}
