/**
 * `rook eval`: held-out completion cases through the real completion path (`completeAt`: cursor context, FIM or
 * prefix prompt, local engine, post-processing), scored next to a non-neural baseline, plus decode speed.
 * For line cases only the first line of a completion is scored, since the task is to finish the line.
 * Multi-line answers are not cut by the editor's time budget: that cut depends on the machine's speed and load, and
 * would make a model's scores differ between runs.
 * Every suggestion is generated (no confidence threshold) and its confidence recorded, for the threshold's curve.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { completeAt } from '../completion/complete';
import { DecoderSession } from '../engines/local/decoderSession';
import { openSession } from '../engines/local/executionProvider';
import { LocalEngine } from '../engines/local/localEngine';
import { argmax, seededRandom } from '../engines/local/sampler';
import { modelFiles } from '../model/modelFiles';
import { baselinePrediction } from './baseline';
import { confidenceCurve, lowestThresholdReaching, type CurvePoint } from './confidenceCurve';
import { languages, sampleCases, tasks, type EvalCase, type Language, type SourceFile, type Task } from './cases';
import { crossFileCases } from './crossFileCases';
import { evaluateCrossFile, type CrossFileScores } from './crossFileEval';
import { editSimilarity, exactMatch } from './metrics';

export interface EvalOptions {
  modelPath: string;
  /** JSON lines `{package, path, lang, text}` of the held-out packages (training/corpus.py writes eval.jsonl). */
  corpusFile: string;
  casesPerCell: number;
  seed: number;
  threads: number;
  maxTokens: number;
  /** Cross-file cases per language, completed with and without chunks from a workspace index (0: none). */
  crossFileCases: number;
}

export interface Scores {
  exactMatch: number;
  editSimilarity: number;
}

export interface CellResult {
  lang: Language;
  task: Task;
  cases: number;
  model: Scores;
  baseline: Scores;
}

export interface EvalResults {
  model: string;
  corpus: string;
  seed: number;
  casesPerCell: number;
  cells: CellResult[];
  decode: { tokens: number; seconds: number; tokensPerSecond: number; threads: number };
  wallSeconds: number;
  examples: { id: string; expected: string; model: string; baseline: string }[];
  /** Share shown and share right per threshold, over all cases; `chosen`: the lowest threshold right half the time. */
  confidence: { curve: CurvePoint[]; chosen?: CurvePoint };
  crossFile?: CrossFileScores;
}

export function readSourceFiles(file: string): SourceFile[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SourceFile);
}

const firstLine = (text: string) => text.split('\n')[0];

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Greedy decode straight on the ONNX session: prompt prefill, then `steps` single-token steps, timed. */
export async function measureDecode(modelPath: string, engine: LocalEngine, threads: number, steps: number): Promise<EvalResults['decode']> {
  const { session } = await openSession(path.join(modelPath, modelFiles.onnx), 'cpu', threads);
  const decoder = new DecoderSession(session, engine.config);
  try {
    const prompt = [engine.config.bosTokenId, ...engine.encode('import os\nimport sys\n\n\ndef main(argv):\n')];
    let logits = await decoder.forward(prompt);
    let token = argmax(logits.subarray(logits.length - engine.config.vocabSize));
    const started = performance.now();
    for (let i = 0; i < steps; i++) {
      logits = await decoder.forward([token]);
      token = argmax(logits);
    }
    const seconds = (performance.now() - started) / 1000;
    return { tokens: steps, seconds: Number(seconds.toFixed(3)), tokensPerSecond: Number((steps / seconds).toFixed(1)), threads };
  } finally {
    await decoder.release();
  }
}

export async function runEvaluation(options: EvalOptions, onCase: (done: number, total: number) => void = () => undefined): Promise<EvalResults> {
  const started = performance.now();
  const files = readSourceFiles(options.corpusFile);
  const cases = sampleCases(files, options.casesPerCell, seededRandom(options.seed));
  const crossCases = crossFileCases(files, options.crossFileCases, seededRandom(options.seed));
  const engine = await LocalEngine.load({ modelPath: options.modelPath, executionProvider: 'cpu', threads: options.threads, seed: options.seed });
  const scored: { evalCase: EvalCase; model: string; baseline: string; confidence?: number }[] = [];
  try {
    const signal = new AbortController().signal;
    for (const evalCase of cases) {
      const answer = await completeAt(engine, evalCase.document, evalCase.offset, { maxTokens: options.maxTokens, temperature: 0, minConfidence: 0, timeBudgetMs: Infinity }, signal);
      const baseline = baselinePrediction(evalCase);
      const single = evalCase.task === 'line';
      scored.push({ evalCase, model: single ? firstLine(answer.insertText) : answer.insertText, baseline: single ? firstLine(baseline) : baseline, confidence: answer.confidence?.mean });
      onCase(scored.length, cases.length + crossCases.length);
    }
    let crossDone = 0;
    const crossFile = crossCases.length === 0 ? undefined : await evaluateCrossFile(engine, files, crossCases, options.maxTokens, () => onCase(cases.length + ++crossDone, cases.length + crossCases.length));
    const decode = await measureDecode(options.modelPath, engine, options.threads, 128);
    const cells: CellResult[] = [];
    for (const lang of languages) {
      for (const task of tasks) {
        const cell = scored.filter((s) => s.evalCase.lang === lang && s.evalCase.task === task);
        if (cell.length === 0) continue;
        const scores = (pick: (s: (typeof cell)[number]) => string): Scores => ({
          exactMatch: mean(cell.map((s) => (exactMatch(pick(s), s.evalCase.expected) ? 1 : 0))),
          editSimilarity: mean(cell.map((s) => editSimilarity(pick(s), s.evalCase.expected))),
        });
        cells.push({ lang, task, cases: cell.length, model: scores((s) => s.model), baseline: scores((s) => s.baseline) });
      }
    }
    const curve = confidenceCurve(scored.map((s) => ({ predicted: s.model, expected: s.evalCase.expected, confidence: s.confidence })));
    return {
      model: engine.info.model,
      corpus: path.basename(options.corpusFile),
      seed: options.seed,
      casesPerCell: options.casesPerCell,
      cells,
      decode,
      wallSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
      confidence: { curve, chosen: lowestThresholdReaching(curve, 0.5) },
      crossFile,
      examples: scored.filter((_, i) => i % Math.max(1, Math.floor(scored.length / 12)) === 0).map((s) => ({ id: s.evalCase.id, expected: s.evalCase.expected, model: s.model, baseline: s.baseline })),
    };
  } finally {
    await engine.dispose();
  }
}
