/**
 * `rook/status` and its notification: the engine host's status with the completion counters and latency, and where
 * the workspace index stands. The notification goes out on every change of the engine host's status, on every change
 * of the index's state, and while it indexes at most once a second with its counts.
 */
import type { Connection, ServerCapabilities } from 'vscode-languageserver';
import { statusNotification, statusRequest, type SidecarStatus } from '../../protocol/contract';
import type { EngineHost } from '../engineHost';
import type { CodebaseFeature } from './codebase';
import type { CompletionFeature } from './completion';
import type { Feature } from './feature';

export class StatusFeature implements Feature {
  constructor(
    private readonly engineHost: EngineHost,
    private readonly completion: CompletionFeature,
    private readonly codebase: CodebaseFeature,
  ) {}

  initialize(connection: Connection): ServerCapabilities {
    const current = (): SidecarStatus => ({ ...this.engineHost.status, ...this.completion.status(), ...this.codebase.status() });
    connection.onRequest(statusRequest, current);
    const notify = () => void connection.sendNotification(statusNotification, current());
    this.engineHost.onDidChangeStatus(notify);
    this.codebase.onDidChangeIndexStatus(notify);
    return {};
  }
}
