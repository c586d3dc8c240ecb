/**
 * `rook`: the command-line face of the sidecar core.
 *   rook lsp --stdio                          the LSP sidecar the extension spawns
 *   rook complete <file> --line L --col C     one inline completion at a position (1-based)
 *   rook chat "<message>"                     one streamed chat answer
 *   rook convert <checkpoint> <out-dir>       a Hugging Face Grok-1 / Mixtral checkpoint into a model folder
 * Engine flags for complete/chat: --endpoint URL (repeatable) and --model NAME for a remote engine,
 * else the local model (--model-dir DIR, default the embedded one); the API key comes from the
 * ROOK_API_KEY environment variable so it never lands in shell history.
 */
import { runLsp } from './lsp';
import { runComplete } from './complete';
import { runChat } from './chat';
import { runServe, serveUsage } from './serve';
import { evalUsage, runEval } from './eval';
import { benchUsage, runBench } from './bench';
import { convertUsage, runConvert } from './convert';

const usage = `Usage:
  rook lsp --stdio
  rook complete <file> --line L --col C [--endpoint URL]... [--model NAME] [--model-dir DIR]
  rook chat "<message>" [--endpoint URL]... [--model NAME] [--model-dir DIR]
  ${serveUsage}
  ${evalUsage}
  ${convertUsage}
  ${benchUsage}   (from a source checkout)

Without an endpoint, complete and chat run the local model (--model-dir, default the embedded model).
Environment: ROOK_ENDPOINT (default endpoint), ROOK_API_KEY (bearer token for the endpoint).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'lsp':
      return runLsp(rest);
    case 'complete':
      return runComplete(rest);
    case 'chat':
      return runChat(rest);
    case 'serve':
      return runServe(rest);
    case 'eval':
      return runEval(rest);
    case 'bench':
      return runBench(rest);
    case 'convert':
      return runConvert(rest);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      console.log(usage);
      return 0;
    default:
      console.error(`rook: unknown command "${command}".\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`rook: ${(error as Error).message ?? String(error)}`);
    process.exitCode = 1;
  },
);
