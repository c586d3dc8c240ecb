/**
 * One place that maps a `rook/edit` task to its prompt, how its streamed answer is previewed and how
 * its final answer becomes the result text.
 */
import type { ChatMessage, EditParams } from '../protocol/contract';
import { codeSoFar, editMessages, extractCode, withOriginalTrailingNewline } from '../edit/editPrompt';
import { commitMessageFromAnswer, commitMessageMessages } from './commitMessagePrompt';
import { testsMessages } from './testsPrompt';

export interface EditTaskPlan {
  messages: ChatMessage[];
  /** What of a partial answer to show while it streams; each value must extend the previous one. */
  preview(partialAnswer: string): string;
  result(answer: string): string;
}

/** Undefined for a task this sidecar does not know (a newer extension's). */
export function planEditTask(params: EditParams): EditTaskPlan | undefined {
  switch (params.task ?? 'rewrite') {
    case 'rewrite':
      return {
        messages: editMessages(params),
        preview: codeSoFar,
        result: (answer) => withOriginalTrailingNewline(params.original, extractCode(answer)),
      };
    case 'tests':
      return { messages: testsMessages(params), preview: codeSoFar, result: (answer) => `${extractCode(answer).trimEnd()}\n` };
    case 'commitMessage':
      return { messages: commitMessageMessages(params.original), preview: (answer) => answer, result: commitMessageFromAnswer };
    default:
      return undefined;
  }
}
