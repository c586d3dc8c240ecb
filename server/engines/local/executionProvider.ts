/**
 * Opens an ONNX Runtime session on the execution provider the user chose. `auto` tries CUDA when the installed
 * onnxruntime-node carries it, then the CPU; an explicit choice that cannot load fails with what to do about it.
 */
import * as ort from 'onnxruntime-node';
import type { ExecutionProvider } from '../../protocol/contract';
import { EngineError } from '../engine';

export type ConcreteProvider = Exclude<ExecutionProvider, 'auto'>;

const remedies: Record<ConcreteProvider, string> = {
  cpu: 'The model file may be damaged or built for a newer ONNX Runtime; restore the model folder, or rebuild it from its checkpoint with `rook convert`.',
  cuda: 'The CUDA provider ships separately: reinstall onnxruntime-node with `onnxruntime-node-install=cuda12` (CUDA 12 and cuDNN 9 required), or set rook.local.executionProvider to "cpu".',
  webgpu: 'WebGPU needs a GPU adapter visible to Node; set rook.local.executionProvider to "cpu" or "cuda".',
};

function installed(provider: ConcreteProvider): boolean {
  return ort.listSupportedBackends().some((backend) => backend.name === provider && backend.bundled) || provider === 'cpu';
}

/** Providers to try, in order, for a setting. */
export function providerCandidates(choice: ExecutionProvider): ConcreteProvider[] {
  if (choice !== 'auto') return [choice];
  return installed('cuda') ? ['cuda', 'cpu'] : ['cpu'];
}

export async function openSession(modelFile: string, choice: ExecutionProvider, threads: number): Promise<{ session: ort.InferenceSession; provider: ConcreteProvider }> {
  const candidates = providerCandidates(choice);
  const failures: string[] = [];
  for (const provider of candidates) {
    try {
      const session = await ort.InferenceSession.create(modelFile, {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        // Idle pool threads sleep instead of spinning: a completion runs many short steps on a machine the
        // editor shares, where spinning threads take the cores that the next step and the editor need.
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
        ...(threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
      });
      return { session, provider };
    } catch (error) {
      failures.push(`${provider}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const last = candidates[candidates.length - 1];
  throw new EngineError(`${modelFile}: cannot start ONNX Runtime on ${candidates.join(' or ')} (${failures.join('; ')}). ${remedies[last]}`, false);
}
