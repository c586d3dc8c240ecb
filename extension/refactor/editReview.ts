/**
 * Review of a proposed rewrite of a range. The rewrite streams into a diff against the document;
 * then each hunk is accepted or rejected (CodeLens on the proposal, notification buttons, or the
 * commands `rook.acceptEdit`/`rook.rejectEdit` for all and `rook.acceptHunk`/`rook.rejectHunk` for one).
 * Once every hunk is decided, the accepted ones are applied as one WorkspaceEdit, so one Undo reverts
 * them. Any change to the document while a proposal is pending discards it, so a stale or partial edit
 * is never applied; rejecting, failing or cancelling leaves the document untouched.
 */
import * as vscode from 'vscode';
import type { GenerationResult } from '../../server/protocol/contract';
import { EditProposal, streamingPreview } from './editProposal';
import { generateWithProgress } from './generation';

const proposalScheme = 'rook-proposal';
/** True while a proposal is pending: enables the accept/reject keybindings. */
const pendingContextKey = 'rook.editPending';

export interface RewriteRequest {
  document: vscode.TextDocument;
  range: vscode.Range;
  /** Names the operation in progress and error messages, e.g. "Rook: Edit Selection". */
  title: string;
  /** Streams the rewrite of the range's text; `onDelta` receives the code so far, piece by piece. */
  generate(onDelta: (text: string) => void, token: vscode.CancellationToken): Promise<GenerationResult>;
}

type Decision = 'accepted' | 'rejected';

interface Pending {
  document: vscode.TextDocument;
  version: number;
  range: vscode.Range;
  /** The document's text before and after the range, and the range's own text, as requested. */
  before: string;
  original: string;
  after: string;
  proposalUri: vscode.Uri;
  /** Stops the generation when the proposal is discarded while still streaming. */
  generation: vscode.CancellationTokenSource;
  streamed: string;
  /** Set once the generation has finished. */
  proposal?: EditProposal;
}

export class EditReview implements vscode.Disposable {
  private pending?: Pending;
  private proposals = 0;
  private readonly contentChanged = new vscode.EventEmitter<vscode.Uri>();
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  private readonly registrations: vscode.Disposable;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.registrations = vscode.Disposable.from(
      vscode.workspace.registerTextDocumentContentProvider(proposalScheme, {
        onDidChange: this.contentChanged.event,
        provideTextDocumentContent: (uri) => this.proposalText(uri),
      }),
      vscode.languages.registerCodeLensProvider(
        { scheme: proposalScheme },
        { onDidChangeCodeLenses: this.lensesChanged.event, provideCodeLenses: (document) => this.codeLenses(document) },
      ),
      vscode.workspace.onDidChangeTextDocument((event) => this.documentChanged(event)),
      vscode.commands.registerCommand('rook.acceptEdit', () => this.decide('accepted')),
      vscode.commands.registerCommand('rook.rejectEdit', () => this.decide('rejected')),
      vscode.commands.registerCommand('rook.acceptHunk', (index?: number) => this.decide('accepted', { index })),
      vscode.commands.registerCommand('rook.rejectHunk', (index?: number) => this.decide('rejected', { index })),
    );
  }

  /**
   * Streams a rewrite into a diff and leaves it pending for review. Resolves to true once it is ready
   * to be decided on, false when nothing is proposed (failed, cancelled, discarded or no change).
   */
  async propose(request: RewriteRequest): Promise<boolean> {
    if (this.pending) await this.close(this.pending);
    const { document, range } = request;
    const text = document.getText();
    const pending: Pending = {
      document,
      version: document.version,
      range,
      before: text.slice(0, document.offsetAt(range.start)),
      original: document.getText(range),
      after: text.slice(document.offsetAt(range.end)),
      proposalUri: vscode.Uri.from({ scheme: proposalScheme, path: document.uri.path, query: String(++this.proposals) }),
      generation: new vscode.CancellationTokenSource(),
      streamed: '',
    };
    this.pending = pending;
    const discarded = new Promise<false>((resolve) => pending.generation.token.onCancellationRequested(() => resolve(false)));
    await vscode.commands.executeCommand('setContext', pendingContextKey, true);
    // Nothing waits on the diff once the proposal is discarded: VS Code's promise for a diff closed while it
    // opens can stay pending for good. A diff that opens after the discard is closed as soon as it is there.
    const diffOpened = Promise.resolve(
      vscode.commands.executeCommand('vscode.diff', document.uri, pending.proposalUri, `${request.title}: current ↔ proposed`),
    ).then(
      () => true,
      (error: unknown) => {
        const message = `${request.title} could not open its diff: ${error instanceof Error ? error.message : String(error)}`;
        this.log.error(message);
        void vscode.window.showErrorMessage(message);
        return false;
      },
    );
    void diffOpened.then(() => {
      if (this.pending !== pending) return this.closeDiff(pending);
    });
    if (!(await Promise.race([diffOpened, discarded]))) {
      if (this.pending === pending) await this.close(pending);
      return false;
    }

    const eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
    const inDocumentEol = (code: string) => code.replace(/\r?\n/g, eol);
    const result = await generateWithProgress(
      request.title,
      (token) =>
        request.generate((delta) => {
          pending.streamed += inDocumentEol(delta);
          // Deltas can still arrive after a discard; the proposal's document is gone by then.
          if (this.pending === pending) this.contentChanged.fire(pending.proposalUri);
        }, token),
      this.log,
      pending.generation.token,
    );
    if (this.pending !== pending) return false;
    if (!result) {
      await this.close(pending);
      return false;
    }
    const proposal = new EditProposal(pending.original, inDocumentEol(result.text));
    if (proposal.hunks.length === 0) {
      await this.close(pending);
      void vscode.window.showInformationMessage(`${request.title}: Rook proposes no change.`);
      return false;
    }
    pending.proposal = proposal;
    this.showDecisions(pending);
    const changes = proposal.hunks.length === 1 ? 'one change' : `${proposal.hunks.length} changes`;
    void vscode.window.showInformationMessage(`${request.title}: Rook proposes ${changes}.`, 'Accept All', 'Reject All').then((choice) => {
      if (this.pending === pending && choice) void this.decide(choice === 'Accept All' ? 'accepted' : 'rejected');
    });
    return true;
  }

  /** Reviews a replacement whose text is already known (a code block from chat), hunk by hunk like any rewrite. */
  reviewReplacement(document: vscode.TextDocument, range: vscode.Range, text: string, title: string): Promise<boolean> {
    return this.propose({
      document,
      range,
      title,
      generate: async (onDelta) => {
        onDelta(text);
        return { text, finishReason: 'stop' };
      },
    });
  }

  dispose(): void {
    if (this.pending) void this.close(this.pending);
    this.registrations.dispose();
    this.contentChanged.dispose();
    this.lensesChanged.dispose();
  }

  /**
   * Decides one `hunk` (see `hunkIndex`) or, without it, all the remaining ones. Rejecting all while
   * the rewrite still streams cancels it. Resolves to true when this applied the edit to the document.
   */
  private async decide(decision: Decision, hunk?: { index?: number }): Promise<boolean> {
    const pending = this.pending;
    if (!pending) return false;
    const proposal = pending.proposal;
    if (!proposal) {
      if (decision === 'rejected' && !hunk) await this.close(pending);
      return false;
    }
    if (hunk) proposal.decide(this.hunkIndex(pending, proposal, hunk.index), decision);
    else proposal.decideRemaining(decision);
    if (!proposal.settled) {
      this.showDecisions(pending);
      return false;
    }
    await this.close(pending);
    if (!proposal.anyAccepted) return false;
    // Earlier changes discarded the proposal (`documentChanged`); this catches one made while the diff closed.
    if (pending.document.version !== pending.version) {
      void vscode.window.showWarningMessage('Rook did not apply the edit: the document changed after it was requested.');
      return false;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(pending.document.uri, pending.range, proposal.result());
    const applied = await vscode.workspace.applyEdit(edit);
    // Focus the document even when the review ended elsewhere, so that the next Undo reverts this edit.
    await vscode.window.showTextDocument(pending.document);
    if (!applied) this.log.warn(`Rook's edit of ${pending.document.uri.toString()} was refused by VS Code.`);
    return applied;
  }

  /** The hunk the user means: `index` if given, else the undecided one under the cursor in the proposal, else the first undecided. */
  private hunkIndex(pending: Pending, proposal: EditProposal, index: number | undefined): number {
    if (index !== undefined) return index;
    const undecided = proposal.hunks.map((_, i) => i).filter((i) => proposal.decision(i) === 'undecided');
    const editor = vscode.window.activeTextEditor;
    if (editor?.document.uri.toString() === pending.proposalUri.toString()) {
      const line = editor.selection.active.line - pending.range.start.line;
      const under = undecided.find((i) => {
        const start = proposal.previewLine(i);
        return line >= start && line < start + Math.max(1, proposal.hunks[i].proposedLines.length);
      });
      if (under !== undefined) return under;
    }
    return undecided[0];
  }

  private documentChanged(event: vscode.TextDocumentChangeEvent): void {
    const pending = this.pending;
    if (!pending || event.contentChanges.length === 0 || event.document.uri.toString() !== pending.document.uri.toString()) return;
    void this.close(pending);
    void vscode.window.showWarningMessage('Rook discarded its proposed edit: the document changed while the edit was pending.');
  }

  /** Ends a proposal without touching the document: stops its generation and closes its diff. */
  private async close(pending: Pending): Promise<void> {
    pending.generation.cancel();
    if (this.pending === pending) {
      this.pending = undefined;
      this.lensesChanged.fire();
      await vscode.commands.executeCommand('setContext', pendingContextKey, false);
    }
    await this.closeDiff(pending);
  }

  /** Closes the proposal's diff where it is open, and puts the document back in front if the diff was. */
  private async closeDiff(pending: Pending): Promise<void> {
    const tabs = vscode.window.tabGroups.all
      .flatMap((group) => group.tabs)
      .filter((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === pending.proposalUri.toString());
    if (tabs.length === 0) return;
    const wasActive = tabs.some((tab) => tab.isActive && tab.group.isActive);
    await vscode.window.tabGroups.close(tabs);
    // Back to the document the user was reviewing, rather than to whatever editor happens to be next.
    if (wasActive) await vscode.window.showTextDocument(pending.document);
  }

  private showDecisions(pending: Pending): void {
    this.contentChanged.fire(pending.proposalUri);
    this.lensesChanged.fire();
  }

  private proposalText(uri: vscode.Uri): string {
    const pending = this.pending;
    if (!pending || uri.toString() !== pending.proposalUri.toString()) return '';
    const rewrite = pending.proposal ? pending.proposal.preview() : streamingPreview(pending.original, pending.streamed);
    return pending.before + rewrite + pending.after;
  }

  private codeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const pending = this.pending;
    const proposal = pending?.proposal;
    if (!pending || !proposal || document.uri.toString() !== pending.proposalUri.toString()) return [];
    const lineRange = (line: number) => new vscode.Range(line, 0, line, 0);
    const top = pending.range.start.line;
    const lenses = [
      new vscode.CodeLens(lineRange(top), { title: '$(check-all) Accept all', command: 'rook.acceptEdit' }),
      new vscode.CodeLens(lineRange(top), { title: '$(close-all) Reject all', command: 'rook.rejectEdit' }),
    ];
    proposal.hunks.forEach((_, index) => {
      if (proposal.decision(index) !== 'undecided') return;
      const line = Math.min(top + proposal.previewLine(index), document.lineCount - 1);
      lenses.push(
        new vscode.CodeLens(lineRange(line), { title: '$(check) Accept change', command: 'rook.acceptHunk', arguments: [index] }),
        new vscode.CodeLens(lineRange(line), { title: '$(close) Reject change', command: 'rook.rejectHunk', arguments: [index] }),
      );
    });
    return lenses;
  }
}
