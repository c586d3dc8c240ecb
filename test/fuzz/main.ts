/**
 * `npm run fuzz`: seeded mutation fuzzing of Rook's readers and servers, for long runs (npm test runs a short one).
 * Prints one line per target and a summary; saves each finding's input under .cache/fuzz/. Exits 1 on any finding.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCampaign, type CampaignReport } from './campaign';
import { formatReport } from './report';
import { targetModules, type FuzzTarget, type TargetName } from './target';

const usage = `Usage: npm run fuzz -- [--count N] [--seed S] [--target NAME]... [--hang-ms MS]
       npm run fuzz -- --target NAME --replay FILE

Mutates valid inputs of each format and feeds them to Rook: GGUF, safetensors, SentencePiece, config.json and
tokenizer.json readers, LSP frames into the sidecar's wiring, HTTP requests into rook serve. Reports per target the inputs tried,
accepted, refused with Rook's own error (clean), crashes (any other exception), hangs (no answer within --hang-ms,
default 2000) and allocations over twice the input's size (times the format's decoding expansion).

  --count N      inputs per target (default 10000)
  --seed S       random seed (default 1); a finding is replayed by its seed and index
  --target NAME  one of ${Object.keys(targetModules).join(', ')}; repeat for several (default all)
  --hang-ms MS   how long one input may take (default 2000)
  --replay FILE  runs one saved input (a finding under .cache/fuzz/) in this process and prints what happened
  --help         this text`;

/** Runs the input saved in `file` through `name` here, so a debugger or a stack trace shows where it goes wrong. */
async function replayInput(name: TargetName, file: string): Promise<number> {
  const { target } = require(path.join(__dirname, `${targetModules[name]}.js`)) as { target: FuzzTarget };
  await target.seeds();
  const started = performance.now();
  try {
    console.log(`${name}: ${await target.run(fs.readFileSync(file))} in ${(performance.now() - started).toFixed(0)} ms`);
    return 0;
  } catch (error) {
    const own = target.ownError(error);
    console.log(`${name}: ${own ? 'refused' : 'CRASH'} in ${(performance.now() - started).toFixed(0)} ms: ${own ? (error as Error).message : ((error as Error).stack ?? error)}`);
    return own ? 0 : 1;
  }
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    return 0;
  }
  let count = 10_000;
  let seed = 1;
  let hangMs = 2000;
  let replay: string | undefined;
  const targets: TargetName[] = [];
  for (let i = 0; i < args.length; i++) {
    const [flag, value] = [args[i], args[i + 1]];
    const number = () => {
      if (value === undefined || !/^\d+$/.test(value)) throw new Error(`${flag} needs a whole number`);
      i++;
      return Number(value);
    };
    if (flag === '--count') count = number();
    else if (flag === '--seed') seed = number();
    else if (flag === '--hang-ms') hangMs = number();
    else if (flag === '--replay' && value !== undefined) replay = args[++i];
    else if (flag === '--target' && value !== undefined && value in targetModules) {
      targets.push(value as TargetName);
      i++;
    } else throw new Error(`unknown argument ${flag}${flag === '--target' ? ` ${value}` : ''}\n\n${usage}`);
  }
  if (replay !== undefined) {
    if (targets.length !== 1) throw new Error('--replay needs one --target');
    return replayInput(targets[0], replay);
  }
  const reports: CampaignReport[] = [];
  for (const name of targets.length > 0 ? targets : (Object.keys(targetModules) as TargetName[])) {
    const report = await runCampaign({
      name,
      module: path.join(__dirname, `${targetModules[name]}.js`),
      count,
      seed,
      hangMs,
      findingsDir: path.resolve('.cache', 'fuzz'),
      onProgress: (done) => {
        if (done % 1000 === 0) process.stderr.write(`${name}: ${done}/${count}\n`);
      },
    });
    reports.push(report);
    for (const finding of report.findings) console.log(`${name} ${finding.kind} at input ${finding.index} (${finding.file}): ${finding.detail.split('\n').slice(0, 4).join(' | ')}`);
  }
  console.log(formatReport(reports));
  return reports.some((r) => r.crashes + r.hangs + r.allocations > 0) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`fuzz: ${(error as Error).message}`);
    process.exit(2);
  },
);
