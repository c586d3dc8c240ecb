/**
 * A `.gguf` file where a CLI command takes a model folder (`--model-dir`, `--model`): converted once into the per-user
 * cache (`--cache-dir`, default `$XDG_CACHE_HOME/rook/models` or `~/.cache/rook/models`), with a progress bar on
 * stderr, and Ctrl+C stopping it without leaving anything in the cache. Later runs load the cache at once.
 */
import { cachedGgufModel, defaultModelCacheDir, isGgufFile } from '../model/ggufCache';
import { childProcessConverter } from '../model/ggufConvertProcess';
import { progressBar } from './progressBar';

/** The flag commands that take a model add (node:util parseArgs option) and its help line. */
export const cacheDirOption = { 'cache-dir': { type: 'string' } } as const;
export const cacheDirHelp = `  --cache-dir DIR         where a .gguf model is converted to, once (default: $XDG_CACHE_HOME/rook/models,
                          else ~/.cache/rook/models)`;

/** The model folder to load for `modelPath`: itself, or for a GGUF file its cached conversion (made now if need be). */
export async function modelFolderFor(modelPath: string, cacheDir: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (!isGgufFile(modelPath)) return modelPath;
  return convertForCli(modelPath, cacheDir ?? defaultModelCacheDir(env));
}

/** The cached conversion of `file`, made with a bar on stderr; Ctrl+C cancels it (the partial folder is removed). */
export async function convertForCli(file: string, cacheDir: string): Promise<string> {
  const controller = new AbortController();
  const cancel = () => controller.abort(new Error(`converting ${file} was cancelled (Ctrl+C); nothing was kept in ${cacheDir}`));
  process.once('SIGINT', cancel);
  const bar = progressBar(process.stderr, 'tensors');
  let started = false;
  try {
    const { dir, converted } = await cachedGgufModel(file, cacheDir, childProcessConverter(), {
      signal: controller.signal,
      onProgress: ({ done, total }) => {
        if (!started) process.stderr.write(`rook: converting ${file} once, into ${cacheDir}\n`);
        started = true;
        bar.update(done, total, 'reading weights');
      },
    });
    bar.finish();
    if (converted) process.stderr.write(`rook: converted into ${dir}\n`);
    return dir;
  } finally {
    bar.finish();
    process.removeListener('SIGINT', cancel);
  }
}
