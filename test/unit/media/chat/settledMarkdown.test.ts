import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { highlightLimit, renderMarkdown } from '../../../../media/chat/markdown';
import { continuedFence, SettledScanner, tailWorthRendering, type Settled } from '../../../../media/chat/settledMarkdown';

/** The settled end of `text` arriving whole. */
function settledEnd(text: string): Settled {
  return new SettledScanner().append(text);
}

describe('SettledScanner', () => {
  it('settles up to the last blank line', () => {
    const text = 'First paragraph.\n\nSecond one\nstill going';
    assert.equal(settledEnd(text).end, 'First paragraph.\n\n'.length);
  });

  it('settles nothing before the first blank line', () => {
    assert.equal(settledEnd('Just one paragraph\nso far').end, 0);
    assert.equal(settledEnd('A.\n\n\nB').end, 5, 'a second blank line moves it on');
  });

  it('never cuts inside a code fence of ordinary length, blank lines in the code included', () => {
    const open = 'Intro.\n\n```ts\nconst a = 1;\n\nconst b = 2;\n';
    assert.equal(settledEnd(open).end, 'Intro.\n\n'.length);
    const closed = `${open}\`\`\`\n\nAfter.`;
    assert.equal(settledEnd(closed).end, closed.length - 'After.'.length);
  });

  it('closes a fence only with the same character, at least as long', () => {
    const text = '````md\n```\n\ninner\n```\n\n````\n\nDone';
    assert.equal(settledEnd(text).end, text.length - 'Done'.length);
    const tildes = '~~~\n```\n\n~~~\n\nx';
    assert.equal(settledEnd(tildes).end, tildes.length - 1);
  });

  it('does not take inline code with backticks for a fence', () => {
    const text = '``` not a fence ` here\n\nNext';
    assert.equal(settledEnd(text).end, text.length - 'Next'.length);
  });

  it('ignores an unfinished last line', () => {
    assert.equal(settledEnd('A.\n\n``').end, 4);
    assert.equal(settledEnd('A.\n\n```').end, 4, 'an opening fence without its newline yet');
  });

  it('follows an answer delta by delta, an unfinished line until it is complete', () => {
    const scanner = new SettledScanner();
    assert.deepEqual(scanner.append('A.\n'), { end: 0 });
    assert.deepEqual(scanner.append('\nB.\n'), { end: 4 });
    assert.deepEqual(scanner.append('\n``'), { end: 8 });
    assert.deepEqual(scanner.append('`\n\nC'), { end: 8 }, 'the unfinished line became a fence');
    assert.deepEqual(scanner.append('\n``'), { end: 8 });
    assert.deepEqual(scanner.append('`\n\n'), { end: 20 });
    assert.deepEqual(scanner.settled, { end: 20 });
  });
});

describe('SettledScanner in long code fences', () => {
  const codeLine = (i: number) => `  const value${i} = compute(${i}); // line ${i}`;
  const codeLines = (count: number) => Array.from({ length: count }, (_, i) => `${codeLine(i)}\n`).join('');
  /** Enough lines to pass highlightLimit. */
  const longCode = codeLines(Math.ceil(highlightLimit / codeLine(0).length) + 10);

  it('does not cut a fence up to highlightLimit: ordinary code settles as a whole', () => {
    const text = `Intro.\n\n\`\`\`ts\n${longCode.slice(0, longCode.lastIndexOf('\n', highlightLimit - 10) + 1)}`;
    assert.deepEqual(settledEnd(text), { end: 'Intro.\n\n'.length });
  });

  it('cuts a fence past highlightLimit after its last complete line', () => {
    const text = `Intro.\n\n\`\`\`ts\n${longCode}const unfinished`;
    assert.deepEqual(settledEnd(text), { end: text.length - 'const unfinished'.length, fence: { start: 'Intro.\n\n'.length, opener: '```ts' } });
  });

  it('goes on cutting a long fence after each complete line until it closes', () => {
    const scanner = new SettledScanner();
    const start = `Intro.\n\n\`\`\`ts\n${longCode}`;
    const fence = { start: 'Intro.\n\n'.length, opener: '```ts' };
    assert.deepEqual(scanner.append(`${start}more();\nand`), { end: `${start}more();\n`.length, fence });
    assert.deepEqual(scanner.append('();\n```\nAfter'), { end: `${start}more();\nand();\n`.length, fence }, 'a closed fence settles at the next blank line');
    assert.deepEqual(scanner.append('.\n\nNext'), { end: `${start}more();\nand();\n\`\`\`\nAfter.\n\n`.length });
  });

  it('closes a long fence only with its own marker, at least as long', () => {
    const text = `~~~~ md\n${longCode}\`\`\`\n~~~\n`;
    const fence = { start: 0, opener: '~~~~ md' };
    assert.deepEqual(settledEnd(text), { end: text.length, fence });
    assert.deepEqual(settledEnd(`${text}x\n  ~~~~~  \n\nNext`), { end: text.length + 'x\n  ~~~~~  \n\n'.length });
  });

  it('continues a fence with its opener, without the info string', () => {
    assert.equal(continuedFence({ start: 0, opener: '```typescript {1,3}' }), '```\n');
    assert.equal(continuedFence({ start: 0, opener: '  ~~~~python' }), '  ~~~~\n');
  });

  /** The code of each `pre` in `html`, unescaped. */
  function codeBlocks(html: string): string[] {
    return [...html.matchAll(/<pre><code[^>]*>([\s\S]*?)<\/code><\/pre>/g)].map(([, code]) =>
      code.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&'),
    );
  }

  /**
   * The pieces the page renders for `text` arriving in `deltaChars` deltas, settling after each (as
   * AssistantMessage does): each settled piece's markdown, continuing the open fence where there is one.
   */
  function streamedPieces(text: string, deltaChars: number): { markdown: string; continues: boolean }[] {
    const pieces: { markdown: string; continues: boolean }[] = [];
    const scanner = new SettledScanner();
    let settled: Settled = { end: 0 };
    for (let received = deltaChars; received < text.length + deltaChars; received += deltaChars) {
      const next = received >= text.length ? { end: text.length } : scanner.append(text.slice(received - deltaChars, received));
      if (next.end > settled.end) {
        const piece = text.slice(settled.end, next.end);
        pieces.push({ markdown: settled.fence ? continuedFence(settled.fence) + piece : piece, continues: settled.fence !== undefined });
      }
      settled = next;
    }
    return pieces;
  }

  it('renders a streamed long fence, piece by piece, as the same code as the whole answer', () => {
    const text = `Here:\n\n\`\`\`ts\n${codeLines(5_000)}\`\`\`\n\nThe end.\n`;
    const pieces = streamedPieces(text, 1_000);
    assert.ok(pieces.length > 100, `settled in ${pieces.length} pieces`);
    const html = pieces.map(({ markdown }) => renderMarkdown(markdown));
    assert.match(html[1], /<pre><code class="language-ts">/, 'the first piece labels the block');
    assert.ok(html.slice(2).every((piece) => !piece.includes('language-')), 'continuations are not labelled again');
    // The page appends each continuation's code to the block's.
    const blocks: string[] = [];
    pieces.forEach(({ continues }, i) => {
      const [first, ...rest] = codeBlocks(html[i]);
      if (continues) blocks[blocks.length - 1] += first;
      else if (first !== undefined) blocks.push(first);
      blocks.push(...rest);
    });
    assert.deepEqual(blocks, codeBlocks(renderMarkdown(text)));
    assert.equal(blocks[0], codeLines(5_000));
    assert.match(html.at(-1)!, /<p>The end\.<\/p>/);
  });

  it('settles an answer of ordinary code only at blank lines outside fences, as before', () => {
    const text = `Intro.\n\n\`\`\`ts\n${codeLines(200)}\n${codeLines(5)}\`\`\`\n\nMiddle.\n\n\`\`\`py\nx = 1\n\`\`\`\n\nThe end.\n`;
    const pieces = streamedPieces(text, 7).map(({ markdown }) => markdown);
    assert.deepEqual(pieces, ['Intro.\n\n', text.slice(8, text.indexOf('Middle.')), 'Middle.\n\n', '```py\nx = 1\n```\n\n', 'The end.\n']);
  });
});

describe('tailWorthRendering', () => {
  it('renders a short tail on every frame', () => {
    assert.equal(tailWorthRendering(10, 9), true);
    assert.equal(tailWorthRendering(64 * 1024, 64 * 1024 - 1), true);
  });

  it('renders a long tail again once it has grown by a quarter', () => {
    assert.equal(tailWorthRendering(100_000, 90_000), false);
    assert.equal(tailWorthRendering(125_000, 100_000), true);
    assert.equal(tailWorthRendering(100_000, 0), true, 'a tail not shown yet');
  });

  it('keeps the cost of re-rendering a growing tail linear in its length', () => {
    let shown = 0;
    let rendered = 0;
    for (let length = 0; length <= 10_000_000; length += 16_384) {
      if (tailWorthRendering(length, shown)) {
        rendered += length;
        shown = length;
      }
    }
    assert.ok(rendered < 6 * 10_000_000, `${rendered} characters rendered in all`);
  });
});
