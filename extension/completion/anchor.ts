/**
 * Where a suggestion was asked for, and whether the cursor has since only typed forward from
 * there. Both the suggestion cache and in-flight reuse ask that one question, so it lives here.
 * Documents are seen through `CursorView` so the logic runs without VS Code (unit tests, bench).
 */
export interface CursorView {
  uri: string;
  offset: number;
  /** The `length` characters before the cursor (fewer at the document's start). */
  textBefore(length: number): string;
  /** The rest of the cursor's line. */
  lineSuffix: string;
}

export interface Anchor {
  uri: string;
  offset: number;
  /** Text right before the anchor: it must still be there for the anchor to hold. */
  contextBefore: string;
  lineSuffix: string;
}

/** How much text before the anchor is compared; enough to tell edits apart, cheap to compare. */
const contextChars = 256;
/** Typing further ahead than this from an anchor is treated as a new place. */
const maxTypedChars = 1000;

export function anchorAt(view: CursorView): Anchor {
  return { uri: view.uri, offset: view.offset, contextBefore: view.textBefore(contextChars), lineSuffix: view.lineSuffix };
}

/**
 * The text typed since `anchor` when the cursor got here only by typing forward from it (nothing
 * before it changed, the rest of the line is the same); undefined otherwise.
 */
export function typedSince(anchor: Anchor, view: CursorView): string | undefined {
  if (view.uri !== anchor.uri || view.lineSuffix !== anchor.lineSuffix) return undefined;
  const typedLength = view.offset - anchor.offset;
  if (typedLength < 0 || typedLength > maxTypedChars) return undefined;
  const before = view.textBefore(anchor.contextBefore.length + typedLength);
  if (before.length !== anchor.contextBefore.length + typedLength || !before.startsWith(anchor.contextBefore)) return undefined;
  return before.slice(anchor.contextBefore.length);
}
