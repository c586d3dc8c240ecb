/**
 * Typing replayed against the real sidecar through the extension's own triggering logic, shared by the
 * completion benchmarks: a document mirrored with incremental didChange, LSP inline-completion requests that
 * count what is outstanding, `rook/status` snapshots and where a request's time goes between two of them.
 */
import * as fs from 'node:fs';
import { CancellationTokenSource, DidChangeTextDocumentNotification, DidCloseTextDocumentNotification, InlineCompletionRequest, InlineCompletionTriggerKind } from 'vscode-languageserver-protocol/node';
import type { CursorView } from '../../extension/completion/anchor';
import type { CompletionTrigger } from '../../extension/completion/completionTrigger';
import type { Suggestion } from '../../extension/completion/suggestionCache';
import { statusRequest, type CompletionStats } from '../../server/protocol/contract';
import type { Sidecar } from '../../test/sidecar/sidecarProcess';

export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A document the bench types into, mirrored to the sidecar with incremental didChange. */
export class TypedDocument {
  private version = 1;
  constructor(
    private readonly sidecar: Sidecar,
    readonly uri: string,
    public text: string,
    public offset: number,
  ) {}

  async type(char: string): Promise<void> {
    const position = this.position();
    this.text = this.text.slice(0, this.offset) + char + this.text.slice(this.offset);
    this.offset += char.length;
    await this.sidecar.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: this.uri, version: ++this.version },
      contentChanges: [{ range: { start: position, end: position }, text: char }],
    });
  }

  position(): { line: number; character: number } {
    const before = this.text.slice(0, this.offset);
    const lineStart = before.lastIndexOf('\n') + 1;
    let line = 0;
    for (let at = before.indexOf('\n'); at !== -1; at = before.indexOf('\n', at + 1)) line++;
    return { line, character: this.offset - lineStart };
  }

  close(): Promise<void> {
    return this.sidecar.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: this.uri } });
  }

  view(): CursorView {
    const { text, offset } = this;
    const lineEnd = text.indexOf('\n', offset);
    return { uri: this.uri, offset, textBefore: (length) => text.slice(Math.max(0, offset - length), offset), lineSuffix: text.slice(offset, lineEnd === -1 ? undefined : lineEnd) };
  }
}

/** LSP inline-completion requests, counting how many are outstanding (the client-side view of the queue). */
export class Requests {
  outstanding = 0;
  maxOutstanding = 0;
  sent = 0;
  /** Answers with a non-empty suggestion. */
  answered = 0;
  /** Request-to-answer times of requests not cancelled, empty answers included. */
  readonly answerMs: number[] = [];
  constructor(private readonly sidecar: Sidecar) {}

  fetch(document: TypedDocument, signal: AbortSignal): Promise<Suggestion | undefined> {
    const source = new CancellationTokenSource();
    signal.addEventListener('abort', () => source.cancel(), { once: true });
    this.sent++;
    this.outstanding++;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    const position = document.position();
    const started = performance.now();
    return this.sidecar.connection
      .sendRequest(InlineCompletionRequest.type, { textDocument: { uri: document.uri }, position, context: { triggerKind: InlineCompletionTriggerKind.Automatic } }, source.token)
      .then((answer) => {
        if (!signal.aborted && answer) this.answerMs.push(performance.now() - started);
        const item = answer && 'items' in answer ? answer.items[0] : undefined;
        if (!item || typeof item.insertText !== 'string') return undefined;
        this.answered++;
        return { insertText: item.insertText, replaceLength: item.range ? item.range.end.character - item.range.start.character : 0 };
      })
      .catch(() => undefined)
      .finally(() => this.outstanding--);
  }

  async drained(): Promise<void> {
    while (this.outstanding > 0) await sleep(5);
  }
}

/**
 * Where a request's time goes, averaged over the engine calls between two `rook/status` snapshots: the prompt's
 * forward pass, the decode steps, and the rest of the time from request to answer (LSP, context and prompt
 * building, tokenization, queueing behind a cancelled request, post-processing).
 */
export function breakdown(before: CompletionStats, after: CompletionStats) {
  const calls = Math.max(1, after.engineCalls - before.engineCalls);
  const answers = Math.max(1, after.answers - before.answers);
  const prefill = (after.prefillMs - before.prefillMs) / calls;
  const decode = (after.decodeMs - before.decodeMs) / calls;
  const answer = (after.answerMs - before.answerMs) / answers;
  return {
    answerMeanMs: round(answer),
    prefillMeanMs: round(prefill),
    decodeMeanMs: round(decode),
    restMeanMs: round(answer - prefill - decode),
    generatedTokensPerCall: round((after.generatedTokens - before.generatedTokens) / calls, 2),
    decodeMsPerToken: after.generatedTokens > before.generatedTokens ? round((after.decodeMs - before.decodeMs) / (after.generatedTokens - before.generatedTokens), 2) : null,
    scopeStops: after.scopeStops - before.scopeStops,
    timeStops: after.timeStops - before.timeStops,
  };
}

export async function stats(sidecar: Sidecar): Promise<CompletionStats> {
  const status = await sidecar.connection.sendRequest(statusRequest);
  return status.completionStats!;
}

export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? round(Number(match[1]) / 1024) : NaN;
}

export interface KeystrokeOutcome {
  latencyMs?: number;
  source?: string;
}

/**
 * Types `typed` at `document`'s cursor, a keystroke every `gap()` ms, asking for a suggestion after
 * each; the last keystroke's request is left to finish (the user stopped typing).
 */
export async function typeThrough(document: TypedDocument, typed: string, gap: () => number, trigger: CompletionTrigger, requests: Requests): Promise<KeystrokeOutcome[]> {
  const outcomes: KeystrokeOutcome[] = [];
  const pending: Promise<void>[] = [];
  let editor: AbortController | undefined;
  for (const char of typed) {
    editor?.abort(); // VS Code cancels the previous keystroke's request when the text changes.
    editor = new AbortController();
    const signal = editor.signal;
    await document.type(char);
    const started = performance.now();
    const outcome: KeystrokeOutcome = {};
    outcomes.push(outcome);
    pending.push(
      trigger.provide(document.view(), true, signal, (fetchSignal) => requests.fetch(document, fetchSignal)).then((result) => {
        if (signal.aborted || !result.suggestion?.insertText) return;
        outcome.latencyMs = performance.now() - started;
        outcome.source = result.source;
      }),
    );
    await sleep(gap());
  }
  await Promise.all(pending);
  return outcomes;
}

export async function open(sidecar: Sidecar, uri: string, text: string, offset: number): Promise<TypedDocument> {
  await sidecar.open(uri, text, 'javascript');
  return new TypedDocument(sidecar, uri, text, offset);
}
