/**
 * A markdown-it plugin that bounds how deeply quotes and lists nest. Past its `maxNesting` (100 levels, a list
 * level counting two) markdown-it stops parsing and silently drops the rest of the answer, and the page would
 * have to lay out, and the reader to follow, one indent per level. Inside `maxContainerDepth` quotes and lists,
 * a line that would open one more is shown as plain text instead, its markers included, up to the next blank
 * line, after a note that says so. Code is untouched: fenced and indented code are matched by
 * markdown-it's own rules before these.
 */
import MarkdownIt from 'markdown-it';

/**
 * Well past what answers use (rarely more than 4 or 5 levels) and well under markdown-it's limit (16 lists are
 * 32 of its levels) and the browser's (Chromium's HTML parser stops nesting at 512 elements); in a side panel,
 * 16 indents already leave the text little room.
 */
export const maxContainerDepth = 16;

export const nestingNote = `Quotes and lists nested more than ${maxContainerDepth} deep are shown as plain text.`;

/** A line that would open a quote, or a list item: `>`, or `-`, `+`, `*`, `1.` or `1)` then a space or nothing. */
const containerMarker = {
  blockquote: /^>/,
  list: /^(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)/,
};

/** Marks the end of a paragraph shown as plain text. */
const plainTextMeta = { nestingLimit: true };

export function nestingLimit(md: InstanceType<typeof MarkdownIt>): void {
  // Every quote and list item tokenizes its content with a nested call: their depth is the container depth.
  let depth = 0;
  const tokenize = md.block.tokenize.bind(md.block);
  md.block.tokenize = (state, startLine, endLine) => {
    depth++;
    try {
      tokenize(state, startLine, endLine);
    } finally {
      depth--;
    }
  };

  for (const [name, marker] of Object.entries(containerMarker)) {
    md.block.ruler.before(name, `nesting_limit_${name}`, (state, startLine, endLine, silent) => {
      // The outermost call is the document itself, not a container.
      if (depth - 1 < maxContainerDepth || silent || state.sCount[startLine] - state.blkIndent >= 4) return false;
      const lineText = state.src.slice(state.bMarks[startLine] + state.tShift[startLine], state.eMarks[startLine]);
      if (!marker.test(lineText)) return false;
      let nextLine = startLine + 1;
      while (nextLine < endLine && !state.isEmpty(nextLine) && state.sCount[nextLine] >= state.blkIndent) nextLine++;
      // One note for a run of such paragraphs. Not a `paragraph`: markdown-it hides those in tight lists.
      if (state.tokens.at(-1)?.meta !== plainTextMeta) {
        pushParagraph(state, 'nesting_note', nestingNote, [startLine, startLine]).attrSet('class', 'nesting-note');
      }
      pushParagraph(state, 'paragraph', state.getLines(startLine, nextLine, state.blkIndent, false).trim(), [startLine, nextLine]);
      state.tokens.at(-1)!.meta = plainTextMeta;
      state.line = nextLine;
      return true;
    });
  }
}

/** A `p` of inline `content` as tokens `${type}_open`, `inline`, `${type}_close`; returns the opening one. */
function pushParagraph(state: MarkdownIt.StateBlock, type: string, content: string, map: [number, number]): MarkdownIt.Token {
  const open = state.push(`${type}_open`, 'p', 1);
  open.map = map;
  const inline = state.push('inline', '', 0);
  inline.content = content;
  inline.map = map;
  inline.children = [];
  state.push(`${type}_close`, 'p', -1);
  return open;
}
