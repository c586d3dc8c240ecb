/**
 * Turns generated tokens into text pieces as they arrive: holds back an incomplete UTF-8 sequence (byte-fallback
 * tokens) and any tail that could still become a stop string, and cuts the text at the first stop string.
 *
 * A piece is made of whole tokens, and says what each one's text is, so that log-probabilities can be given for
 * exactly the text shown. A character built from several byte tokens belongs to the token that completes it; a
 * stop string cuts the token it starts in.
 */

/** Text safe to show, and the texts of the tokens it is made of (they join to `text`). */
export interface ShownText {
  text: string;
  tokens: string[];
}

/** The length of `text` without the replacement character that an unfinished UTF-8 sequence at its end decodes to. */
function completeLength(text: string): number {
  return text.endsWith('\uFFFD') ? text.length - 1 : text.length;
}

export class TextStream {
  private readonly tokens: number[] = [];
  /** Where the complete text after each token ends, and whether nothing incomplete followed it then. */
  private readonly ends: number[] = [];
  private readonly clean: boolean[] = [];
  private shownTokens = 0;
  /** Tokens that lay wholly inside the skipped text (always the first ones). */
  private skippedTokens = 0;
  private emitted = 0;
  private readonly anchorText: string;

  /**
   * `anchor` is the last prompt token: decoding starts from it so that a SentencePiece word-start space on the
   * first generated token is kept (decoders strip a leading space at the start of a text). `skip` is text the first
   * tokens are constrained to spell (typed text re-spelled by token healing, see `tokenHealing.ts`): it is neither
   * shown nor searched for stop strings, and a token that lies wholly inside it is `skipped`.
   */
  constructor(
    private readonly decode: (tokens: number[]) => string,
    private readonly stops: readonly string[],
    private readonly anchor: number | undefined,
    private readonly skip = '',
  ) {
    this.anchorText = anchor === undefined ? '' : decode([anchor]);
  }

  /** The generated tokens' text, the skipped text included. */
  private spelled(tokens: readonly number[] = this.tokens): string {
    if (this.anchor === undefined) return this.decode([...tokens]);
    return this.decode([this.anchor, ...tokens]).slice(this.anchorText.length);
  }

  /** The generated text after the skipped text. */
  private text(): string {
    const spelled = this.spelled();
    return spelled.length <= this.skip.length ? '' : spelled.slice(this.skip.length);
  }

  /** True while every token so far lay inside the skipped text. */
  private skipping(): boolean {
    return this.skip !== '' && this.skippedTokens === this.tokens.length;
  }

  /**
   * The text each of `tokens` would add if it came next (for the tokens the model did not choose), as `push` would
   * show it: the tokens since the last one that ended cleanly hold part of a character, and a token that completes
   * it has that character as its text. Decoding starts at that last clean token (or the anchor), not further back.
   */
  nextTexts(tokens: readonly number[]): string[] {
    if (this.skipping()) {
      return tokens.map((token) => {
        const spelled = this.spelled([...this.tokens, token]);
        return spelled.length <= this.skip.length ? '' : spelled.slice(this.skip.length, completeLength(spelled));
      });
    }
    let pending = this.tokens.length;
    while (pending > 0 && !this.clean[pending - 1]) pending--;
    const context = pending > 0 ? [this.tokens[pending - 1]] : this.anchor === undefined ? [] : [this.anchor];
    const held = [...context, ...this.tokens.slice(pending)];
    // The context token alone may end in U+FFFD (the end of a character begun before it): shown, not held back.
    const contextLength = context.length === 0 ? 0 : this.decode(context).length;
    const start = Math.max(contextLength, held.length === 0 ? 0 : completeLength(this.decode(held)));
    return tokens.map((token) => {
      const text = this.decode([...held, token]);
      return text.slice(start, completeLength(text));
    });
  }

  /** Adds a token; returns the text now safe to show and whether a stop string was reached. */
  push(token: number): ShownText & { stopped: boolean; skipped?: boolean } {
    const skipping = this.skipping();
    this.tokens.push(token);
    if (skipping && this.spelled().length <= this.skip.length) {
      this.ends.push(0);
      this.clean.push(true);
      this.shownTokens++;
      this.skippedTokens++;
      return { text: '', tokens: [], stopped: false, skipped: true };
    }
    const full = this.text();
    const complete = completeLength(full);
    this.ends.push(complete);
    this.clean.push(complete === full.length);
    let stopAt = -1;
    for (const stop of this.stops) {
      const index = full.indexOf(stop, Math.max(0, this.emitted - stop.length + 1));
      if (index >= 0 && (stopAt < 0 || index < stopAt)) stopAt = index;
    }
    if (stopAt >= 0) return { ...this.take(full, stopAt, true), stopped: true };
    let safeEnd = complete;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, safeEnd); length > 0; length--) {
        if (full.endsWith(stop.slice(0, length))) {
          safeEnd = Math.min(safeEnd, full.length - length);
          break;
        }
      }
    }
    return { ...this.take(full, safeEnd, false), stopped: false };
  }

  /** The text held back so far, for when generation ends without a stop string. */
  flush(): ShownText {
    const full = this.text();
    if (this.tokens.length > 0) {
      this.ends[this.ends.length - 1] = full.length;
      this.clean[this.clean.length - 1] = true;
    }
    return this.take(full, full.length, false);
  }

  private start(index: number): number {
    return index === 0 ? 0 : this.ends[index - 1];
  }

  /**
   * The text not shown yet, up to `end`: up to the last token that ends there cleanly, or with `cut` (a stop
   * string starts at `end`) exactly to `end`, the token it falls in cut short.
   */
  private take(full: string, end: number, cut: boolean): ShownText {
    let count = this.shownTokens;
    let until = this.emitted;
    for (let index = this.shownTokens; index < this.tokens.length; index++) {
      if (cut ? this.start(index) >= end : this.ends[index] > end) break;
      if (cut || this.clean[index]) [count, until] = [index + 1, cut ? end : this.ends[index]];
    }
    // Tokens that add no text yet wait for one that does.
    if (until <= this.emitted) return { text: '', tokens: [] };
    const tokens: string[] = [];
    for (let index = this.shownTokens; index < count; index++) tokens.push(full.slice(this.start(index), Math.min(this.ends[index], until)));
    const text = full.slice(this.emitted, until);
    this.shownTokens = count;
    this.emitted = until;
    return { text, tokens };
  }
}
