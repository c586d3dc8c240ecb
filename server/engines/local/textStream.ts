/**
 * Turns generated tokens into text pieces as they arrive: holds back an incomplete UTF-8 sequence (byte-fallback
 * tokens) and any tail that could still become a stop string, and cuts the text at the first stop string.
 */

export class TextStream {
  private readonly tokens: number[] = [];
  private emitted = 0;
  private readonly anchorText: string;

  /**
   * `anchor` is the last prompt token: decoding starts from it so that a SentencePiece word-start space on the
   * first generated token is kept (decoders strip a leading space at the start of a text).
   */
  constructor(
    private readonly decode: (tokens: number[]) => string,
    private readonly stops: readonly string[],
    private readonly anchor: number | undefined,
  ) {
    this.anchorText = anchor === undefined ? '' : decode([anchor]);
  }

  private text(): string {
    if (this.anchor === undefined) return this.decode(this.tokens);
    return this.decode([this.anchor, ...this.tokens]).slice(this.anchorText.length);
  }

  /** Adds a token; returns the text now safe to show and whether a stop string was reached. */
  push(token: number): { text: string; stopped: boolean } {
    this.tokens.push(token);
    const full = this.text();
    let stopAt = -1;
    for (const stop of this.stops) {
      const index = full.indexOf(stop, Math.max(0, this.emitted - stop.length + 1));
      if (index >= 0 && (stopAt < 0 || index < stopAt)) stopAt = index;
    }
    if (stopAt >= 0) return { text: this.take(full, stopAt), stopped: true };
    let safeEnd = full.endsWith('\uFFFD') ? full.length - 1 : full.length;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, safeEnd); length > 0; length--) {
        if (full.endsWith(stop.slice(0, length))) {
          safeEnd = Math.min(safeEnd, full.length - length);
          break;
        }
      }
    }
    return { text: this.take(full, safeEnd), stopped: false };
  }

  /** The text held back so far, for when generation ends without a stop string. */
  flush(): string {
    return this.take(this.text(), Infinity);
  }

  private take(full: string, end: number): string {
    const piece = full.slice(this.emitted, Math.max(this.emitted, Math.min(end, full.length)));
    this.emitted += piece.length;
    return piece;
  }
}
