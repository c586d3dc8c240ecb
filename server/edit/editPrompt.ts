/**
 * Prompting for "edit a selection by instruction": the model gets the code and the instruction and
 * must answer with the rewritten code only; `extractCode` takes the code back out of the answer.
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

/** The body of the first fenced code block, or the whole answer when the model used no fence. */
export function extractCode(answer: string): string {
  const fence = /```[^\n]*\n([\s\S]*?)(?:\n```|$)/.exec(answer);
  return fence ? fence[1] : answer.trim();
}
