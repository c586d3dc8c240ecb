/**
 * What the rest of the extension sees of the sidecar: typed calls from the shared contract, with
 * streaming callbacks and VS Code cancellation. Features (chat view, refactor commands, status bar)
 * depend on this interface, not on the language client, so the supervisor can restart the process
 * underneath them.
 */
import type * as vscode from 'vscode';
import type { ChatParams, CompareModelsParams, Comparison, DiscoveredServer, EditParams, GenerationResult, SearchCodebaseParams, SearchCodebaseResult, SidecarStatus } from '../../server/protocol/contract';

export type ChatInput = Omit<ChatParams, 'partialResultToken' | 'workDoneToken'>;
export type EditInput = Omit<EditParams, 'partialResultToken' | 'workDoneToken'>;
export type CompareInput = Omit<CompareModelsParams, 'workDoneToken'>;

/** A work-done progress report from the sidecar: a percentage (0-100) and what it is doing. */
export interface WorkProgress {
  percentage?: number;
  message?: string;
}

export interface SidecarConnection {
  /** Streams an answer; `onDelta` receives each piece as it arrives. Rejects with a readable message on failure. */
  chat(input: ChatInput, onDelta: (text: string) => void, token: vscode.CancellationToken): Promise<GenerationResult>;
  edit(input: EditInput, onDelta: (text: string) => void, token: vscode.CancellationToken): Promise<GenerationResult>;
  readonly status: SidecarStatus;
  readonly onDidChangeStatus: vscode.Event<SidecarStatus>;
  /** The model servers running on this machine (loopback only); rejects while the sidecar is not running. */
  discoverServers(): Promise<DiscoveredServer[]>;
  /** The workspace chunks the sidecar's index finds for a query; rejects while the sidecar is not running. */
  searchCodebase(params: SearchCodebaseParams): Promise<SearchCodebaseResult>;
  /** Compares the embedded model with the configured engine on a folder's code; cancelling answers with the cases run so far. */
  compareModels(input: CompareInput, onProgress: (progress: WorkProgress) => void, token: vscode.CancellationToken): Promise<Comparison>;
}
