/**
 * `rook/compareModels`: the embedded model and the configured engine compared on completion cases cut from a
 * workspace folder's own code (`server/eval/repoComparison.ts`, as `rook eval --repo`), with the completion settings
 * in force (max tokens, and the confidence threshold the shown share is counted at). Progress goes out through LSP
 * work-done progress; `$/cancelRequest` stops it and answers with the cases run so far. One comparison at a time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LSPErrorCodes, ResponseError, type Connection, type ServerCapabilities } from 'vscode-languageserver';
import type { Engine } from '../../engines/engine';
import { selectEngine } from '../../engines/select';
import { scoreCandidate } from '../../eval/compareScores';
import { compareOnRepo } from '../../eval/repoComparison';
import { compareModelsRequest, defaultExcludeGlobs, defaultSettings, type CandidateScores, type Comparison } from '../../protocol/contract';
import type { EngineHost } from '../engineHost';
import { abortOn } from '../engineRequest';
import { byName, invalidParams, parseCompareModelsParams } from '../params';
import type { Feature } from './feature';

const method = 'rook/compareModels';
const defaultCases = 40;
const defaultSeed = 1;

const failed = (message: string) => new ResponseError(LSPErrorCodes.RequestFailed, `${method}: ${message}`);

export class CompareModelsFeature implements Feature {
  private running = false;

  constructor(
    private readonly engineHost: EngineHost,
    private readonly embeddedModelDir?: string,
  ) {}

  initialize(connection: Connection): ServerCapabilities {
    connection.onRequest(
      compareModelsRequest,
      byName(method, async (raw, token) => {
        const params = parseCompareModelsParams(raw);
        if (!isFolder(params.root)) throw invalidParams(method, `root ${JSON.stringify(params.root.slice(0, 200))} is not a folder.`);
        if (this.running) throw failed('a comparison is already running; wait for it or cancel it.');
        this.running = true;
        const progress = connection.window.attachWorkDoneProgress(params.workDoneToken);
        const controller = abortOn(token);
        const owned: Engine[] = [];
        try {
          progress.begin('Rook: comparing models', 0, 'loading the models', true);
          const { engines, unavailable } = await this.candidates(owned);
          const settings = this.engineHost.settings.completion;
          const comparison = await compareOnRepo(engines, {
            root: params.root,
            excludeGlobs: params.excludeGlobs ?? defaultExcludeGlobs,
            cases: params.cases ?? defaultCases,
            seed: params.seed ?? defaultSeed,
            maxTokens: settings.maxTokens,
            minConfidence: settings.minConfidence,
            signal: controller.signal,
            onCase: (done, total, candidate) => progress.report(Math.round((100 * done) / total), `${done}/${total} cases · ${candidate}`),
          });
          return { ...comparison, candidates: [...comparison.candidates, ...unavailable] } satisfies Comparison;
        } catch (error) {
          if (error instanceof ResponseError) throw error;
          throw failed((error as Error).message ?? String(error));
        } finally {
          progress.done();
          this.running = false;
          await Promise.all(owned.map((engine) => engine.dispose()));
        }
      }),
    );
    return {};
  }

  /**
   * The embedded model (loaded for the comparison, into `owned`) and the configured engine (the host's, shared with
   * inline completions), or the configured one alone when it is the embedded model. A configured engine that cannot
   * run is listed as unavailable, with the status's reason.
   */
  private async candidates(owned: Engine[]): Promise<{ engines: Engine[]; unavailable: CandidateScores[] }> {
    const engines: Engine[] = [];
    const unavailable: CandidateScores[] = [];
    let configured: Engine | undefined;
    try {
      configured = this.engineHost.requireEngine();
    } catch (error) {
      const reason = this.engineHost.status.message ?? (error as Error).message;
      unavailable.push(scoreCandidate('configured engine', '', [], 0, reason));
    }
    const configuredIsEmbedded = configured?.info.kind === 'local' && this.embeddedModelDir !== undefined && path.resolve(configured.info.location) === path.resolve(this.embeddedModelDir);
    if (this.embeddedModelDir && !configuredIsEmbedded) {
      const local = this.engineHost.settings.local;
      const selection = await selectEngine({ ...defaultSettings, engine: 'local', local: { ...local, modelPath: '' } }, this.embeddedModelDir);
      if (selection.engine) {
        owned.push(selection.engine);
        engines.push(selection.engine);
      } else unavailable.push(scoreCandidate('embedded model', this.embeddedModelDir, [], 0, selection.problem));
    }
    if (configured) engines.push(configured);
    return { engines, unavailable };
  }
}

function isFolder(root: string): boolean {
  try {
    return fs.statSync(root).isDirectory();
  } catch {
    return false;
  }
}
