import type { CompletionFilter } from './types';

/** Longest run of lines checked as a repeating block. */
const maxBlockLines = 8;

/**
 * Small models loop: the same line, or the same few lines, over and over until the token limit.
 * At the first block of lines that repeats right after itself (one line three times in a row, a
 * longer block twice), keep a single copy and drop the rest. Blank lines never count as a repeat.
 */
export const removeRepetition: CompletionFilter = (completion) => {
  const lines = completion.split('\n');
  const keys = lines.map((line) => line.trim());
  for (let start = 0; start < lines.length; start++) {
    for (let size = 1; size <= maxBlockLines && start + 2 * size <= lines.length; size++) {
      const copiesNeeded = size === 1 ? 3 : 2;
      if (start + copiesNeeded * size > lines.length) continue;
      const block = keys.slice(start, start + size);
      if (block.every((key) => key === '')) continue;
      const repeats = Array.from({ length: copiesNeeded - 1 }, (_, copy) => start + (copy + 1) * size).every((at) =>
        block.every((key, offset) => keys[at + offset] === key),
      );
      if (repeats) return lines.slice(0, start + size).join('\n');
    }
  }
  return completion;
};
