/**
 * Recent suggestions by where they were asked for. A suggestion keeps serving while the user
 * types through it: when the typed text is the start of the suggestion, the rest is shown with no
 * engine call. Asking again at the same place (after a cancel, an undo) is served too.
 */
import { typedSince, type Anchor, type CursorView } from './anchor';

export interface Suggestion {
  insertText: string;
  /** Characters after the cursor, on its line, that the insert replaces. */
  replaceLength: number;
}

export class SuggestionCache {
  private entries: { anchor: Anchor; suggestion: Suggestion }[] = [];

  constructor(private readonly capacity = 50) {}

  add(anchor: Anchor, suggestion: Suggestion): void {
    this.entries = this.entries.filter((entry) => entry.anchor.uri !== anchor.uri || entry.anchor.offset !== anchor.offset);
    this.entries.push({ anchor, suggestion });
    if (this.entries.length > this.capacity) this.entries.shift();
  }

  /** What is left of a cached suggestion the user has been typing through, or undefined. */
  lookup(view: CursorView): Suggestion | undefined {
    for (let index = this.entries.length - 1; index >= 0; index--) {
      const { anchor, suggestion } = this.entries[index];
      const typed = typedSince(anchor, view);
      if (typed === undefined || !suggestion.insertText.startsWith(typed) || typed.length === suggestion.insertText.length) continue;
      return { insertText: suggestion.insertText.slice(typed.length), replaceLength: suggestion.replaceLength };
    }
    return undefined;
  }

  /** Forgets a document's suggestions (closed, or edited elsewhere than at an anchor). */
  forget(uri: string): void {
    this.entries = this.entries.filter((entry) => entry.anchor.uri !== uri);
  }
}
