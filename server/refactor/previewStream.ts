/** Turns the deltas of a raw answer into the deltas of its preview (see `EditTaskPlan.preview`). */
export class PreviewStream {
  private answer = '';
  private shown = 0;

  constructor(private readonly preview: (partialAnswer: string) => string) {}

  /** The part of the preview this answer delta reveals; empty when it reveals nothing yet. */
  push(delta: string): string {
    this.answer += delta;
    const preview = this.preview(this.answer);
    const piece = preview.slice(this.shown);
    this.shown = Math.max(this.shown, preview.length);
    return piece;
  }
}
