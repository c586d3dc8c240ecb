/**
 * Prompting for "edit a selection by instruction": the model gets the code and the instruction and
 * must answer with the rewritten code only; `extractCode` takes the code back out of the answer and
 * `codeSoFar` does the same for an answer still streaming.
 */
import type { ChatMessage, EditParams } from '../protocol/contract';

export function editMessages(params: Pick<EditParams, 'languageId' | 'original' | 'instruction'>): ChatMessage[] {
  return [
    {
      role: 'system',
      content:
        'You rewrite code. Reply with the complete rewritten code only, in one fenced code block, ' +
        'with no explanation. Keep the original indentation and everything the instruction does not ask to change.',
    },
    {
      role: 'user',
      content: `Instruction: ${params.instruction}\n\n\`\`\`${params.languageId}\n${params.original}\n\`\`\``,
    },
  ];
}

const openingFence = /```[^\n]*\n/;

/** The body of the first fenced code block, or the whole answer when the model used no fence. */
export function extractCode(answer: string): string {
  const fence = /```[^\n]*\n([\s\S]*?)(?:\n```|$)/.exec(answer);
  return fence ? fence[1] : answer.trim();
}

/**
 * The complete lines of the first code block of a partial answer (empty before its fence opens).
 * Each call's value extends the previous one's as the answer grows, so it can be streamed as deltas;
 * a last, unfinished line is held back because it could still turn out to be the closing fence.
 */
export function codeSoFar(partialAnswer: string): string {
  const open = openingFence.exec(partialAnswer);
  if (!open) return '';
  const body = partialAnswer.slice(open.index + open[0].length);
  const close = body.indexOf('\n```');
  if (close >= 0) return body.slice(0, close);
  const lastNewline = body.lastIndexOf('\n');
  return lastNewline >= 0 ? body.slice(0, lastNewline) : '';
}

/**
 * A fenced answer cannot end in a newline, so a selection of whole lines would lose its last line
 * break when replaced; give the rewrite the original's trailing newline back.
 */
export function withOriginalTrailingNewline(original: string, rewrite: string): string {
  const newline = /\r?\n$/.exec(original)?.[0];
  return newline && !rewrite.endsWith('\n') ? rewrite + newline : rewrite;
}
