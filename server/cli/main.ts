/**
 * `rook`: the command-line face of the sidecar core.
 *   rook lsp --stdio                          the LSP sidecar the extension spawns
 *   rook complete <file> --line L --col C     one inline completion at a position (1-based)
 *   rook chat "<message>"                     one streamed chat answer
 *   rook serve                                the local engine behind an OpenAI-compatible HTTP API
 *   rook eval                                 scores a local model on held-out completion cases
 *   rook eval --repo DIR                      compares models on completion cases cut from a repository's code
 *   rook convert <checkpoint> <out-dir>       a Hugging Face Grok-1 / Mixtral checkpoint into a model folder
 *   rook bench <name>                         one benchmark (from a source checkout)
 * Engine flags for complete/chat: --endpoint URL (repeatable) and --model NAME for a remote engine,
 * else the local model (--model-dir DIR, default the embedded one); the API key comes from the
 * ROOK_API_KEY environment variable so it never lands in shell history. Every command answers --help (-h).
 */
import { lspUsage, runLsp } from './lsp';
import { completeHelp, completeUsage, runComplete } from './complete';
import { chatHelp, chatUsage, runChat } from './chat';
import { runServe, serveHelp, serveUsage } from './serve';
import { evalHelp, evalUsage, runEval } from './eval';
import { evalRepoUsage } from './evalRepo';
import { benchHelp, benchUsage, runBench } from './bench';
import { convertHelp, convertUsage, runConvert } from './convert';
import { helpRequested, UsageError } from './usage';

const usage = `Usage:
  rook lsp --stdio
  ${completeUsage}
  ${chatUsage}
  ${serveUsage}
  ${evalUsage}
  ${evalRepoUsage}
  ${convertUsage}
  ${benchUsage}   (from a source checkout)
  rook <command> --help     what a command does and each of its options (also: rook help <command>)

Without an endpoint, complete and chat run the local model (--model-dir, default the embedded model).
Environment: ROOK_ENDPOINT (default endpoint), ROOK_API_KEY (bearer token for the endpoint).`;

interface Command {
  /** What `--help` prints. */
  help: string;
  /** The exit code, or -1 while the command keeps the process running (a server). */
  run(args: string[]): number | Promise<number>;
}

const commands: Record<string, Command> = {
  lsp: { help: lspUsage, run: runLsp },
  complete: { help: completeHelp, run: runComplete },
  chat: { help: chatHelp, run: runChat },
  serve: { help: serveHelp, run: runServe },
  eval: { help: evalHelp, run: runEval },
  convert: { help: convertHelp, run: runConvert },
  bench: { help: benchHelp, run: runBench },
};

const commandNamed = (name: string | undefined): Command | undefined => (name !== undefined && Object.hasOwn(commands, name) ? commands[name] : undefined);

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic === undefined) {
      console.log(usage);
      return 0;
    }
    const command = commandNamed(topic);
    if (!command) {
      console.error(`rook help: unknown command "${topic}".\n${usage}`);
      return 2;
    }
    console.log(command.help);
    return 0;
  }
  const command = commandNamed(name);
  if (!command) {
    console.error(`rook: unknown command "${name}".\n${usage}`);
    return 2;
  }
  // Before the command parses anything: --help never runs it, whatever else is on the line.
  if (helpRequested(rest)) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`rook ${name}: ${error.message}\n\n${command.help}`);
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
