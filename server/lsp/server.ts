/**
 * The sidecar: an ordinary LSP server (so other editors can use it too) plus Rook's `rook/*` methods from the shared
 * contract. The engine host owns the engine, its settings and status; each feature registers its own handlers and
 * maps requests onto the same core functions the CLI uses. This file wires them together.
 */
import { TextDocuments, TextDocumentSyncKind, type Connection, type InitializeResult, type ServerCapabilities } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { listenToDocuments } from './documents';
import { EngineHost } from './engineHost';
import { ChatEditFeature } from './features/chatEdit';
import { CodebaseFeature } from './features/codebase';
import { CompareModelsFeature } from './features/compareModels';
import { CompletionFeature } from './features/completion';
import { DiscoveryFeature } from './features/discovery';
import type { Feature } from './features/feature';
import { StatusFeature } from './features/status';

export interface LspServer {
  /** Whether the client asked for `shutdown` (its `exit`, or the end of its stream, then ends the process with 0). */
  readonly shutdownReceived: boolean;
}

/** `embeddedModelDir` is the model shipped with Rook, used when nothing else is configured. */
export function startLspServer(connection: Connection, embeddedModelDir?: string): LspServer {
  const documents = new TextDocuments(TextDocument);
  const engineHost = new EngineHost(connection.console, embeddedModelDir);
  const codebase = new CodebaseFeature(engineHost, documents);
  const completion = new CompletionFeature(engineHost, documents, codebase);
  const features: Feature[] = [engineHost, completion, new ChatEditFeature(engineHost), new StatusFeature(engineHost, completion, codebase), codebase, new DiscoveryFeature(), new CompareModelsFeature(engineHost, embeddedModelDir)];
  const capabilities: ServerCapabilities = Object.assign(
    { textDocumentSync: TextDocumentSyncKind.Incremental },
    ...features.map((feature) => feature.initialize(connection)),
  );

  connection.onInitialize((params): InitializeResult => {
    engineHost.applyInitializationOptions(params.initializationOptions);
    codebase.applyInitializeParams(params);
    return { capabilities, serverInfo: { name: 'rook', version: '0.1.0' } };
  });
  connection.onInitialized(() => {
    engineHost.start();
    codebase.initialized(connection);
  });
  let shutdownReceived = false;
  connection.onShutdown(() => {
    shutdownReceived = true;
    return Promise.all([engineHost.dispose(), codebase.dispose()]).then(() => undefined);
  });

  listenToDocuments(documents, connection, connection.console);
  connection.listen();
  return {
    get shutdownReceived() {
      return shutdownReceived;
    },
  };
}
