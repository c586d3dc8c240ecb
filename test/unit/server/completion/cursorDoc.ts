/** Completion test documents: `|` marks the cursor. */
import { cursorContext } from '../../../../server/completion/cursorContext';
import type { FilterContext } from '../../../../server/completion/postprocess/types';

/** The filter context of `doc` with its cursor at `|`. */
export function contextOf(doc: string, multiline: boolean): FilterContext {
  const offset = doc.indexOf('|');
  return { ...cursorContext(doc.replace('|', ''), offset), multiline };
}
