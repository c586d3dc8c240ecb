/**
 * Where the user has been typing lately, as (document, line) pairs. Every keystroke in an editor
 * asks for an inline completion at the edit, so the completion requests themselves are the record:
 * no second `didChange` listener is needed next to the document store's own.
 */
export interface EditLocation {
  uri: string;
  line: number;
}

/** Edits within this many lines of each other are one region. */
const regionLines = 10;

export class RecentEdits {
  private readonly locations: EditLocation[] = [];

  constructor(private readonly capacity = 16) {}

  note(uri: string, line: number): void {
    const same = this.locations.findIndex((location) => location.uri === uri && Math.abs(location.line - line) <= regionLines);
    if (same !== -1) this.locations.splice(same, 1);
    this.locations.push({ uri, line });
    if (this.locations.length > this.capacity) this.locations.shift();
  }

  /** True when `line` of `uri` lies in a recently edited region. */
  touches(uri: string, firstLine: number, lastLine: number): boolean {
    return this.locations.some((location) => location.uri === uri && location.line >= firstLine - regionLines && location.line <= lastLine + regionLines);
  }

  forget(uri: string): void {
    for (let index = this.locations.length - 1; index >= 0; index--) if (this.locations[index].uri === uri) this.locations.splice(index, 1);
  }
}
