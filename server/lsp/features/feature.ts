import type { Connection, ServerCapabilities } from 'vscode-languageserver';

/** One part of the sidecar's LSP surface. Each registers its own handlers, so server.ts only wires them together. */
export interface Feature {
  /** Registers the feature's handlers, once, before the connection listens; returns the server capabilities it adds. */
  initialize(connection: Connection): ServerCapabilities;
}
