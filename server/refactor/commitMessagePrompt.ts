/** Prompting for "Generate Commit Message": a conventional commit message for a staged diff. */
import type { ChatMessage } from '../protocol/contract';

/** Diffs beyond this are cut: the start of each file's change says enough, and context is finite. */
const maxDiffChars = 24_000;

export function commitMessageMessages(diff: string): ChatMessage[] {
  const shown = diff.length > maxDiffChars ? `${diff.slice(0, maxDiffChars)}\n[diff cut at ${maxDiffChars} characters]` : diff;
  return [
    {
      role: 'system',
      content:
        'You write git commit messages. Reply with the message only: a summary line in the imperative mood ' +
        'of at most 72 characters, then, if the change needs it, a blank line and a short body saying why.',
    },
    { role: 'user', content: `Write the commit message for this staged diff:\n\n\`\`\`diff\n${shown}\n\`\`\`` },
  ];
}

/** The message without the fences or quotes some models wrap it in. */
export function commitMessageFromAnswer(answer: string): string {
  const fenced = /^```[^\n]*\n([\s\S]*?)\n```$/.exec(answer.trim());
  const message = (fenced ? fenced[1] : answer).trim();
  return /^(["'`]).*\1$/s.test(message) ? message.slice(1, -1).trim() : message;
}
