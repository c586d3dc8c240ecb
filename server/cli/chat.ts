import { withSystemPrompt } from '../chat/chatPrompt';
import { drain } from '../engines/engine';
import { engineFlagsHelp, engineFromFlags, engineOptions } from './engineFromFlags';
import { maxTokensFlag, maxTokensHelp, parseCommandArgs, UsageError } from './usage';

const defaultMaxTokens = 1024;

export const chatUsage = 'rook chat "<message>" [--max-tokens N] [--endpoint URL]... [--model NAME] [--model-dir DIR|FILE] [--cache-dir DIR]';

export const chatHelp = `Usage: ${chatUsage}

Streams one answer to the message to stdout; Ctrl+C stops it. Words after the options join into the message.

${maxTokensHelp('answer', defaultMaxTokens)}
${engineFlagsHelp}`;

/** `rook chat "<message>"`: streams one answer to stdout; Ctrl+C stops it. */
export async function runChat(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({ args, allowPositionals: true, options: engineOptions });
  const message = positionals.join(' ').trim();
  if (!message) throw new UsageError('a message is needed.');
  const maxTokens = maxTokensFlag(values['max-tokens'], defaultMaxTokens);
  const engine = await engineFromFlags(values);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  try {
    await drain(
      engine.chat({ messages: withSystemPrompt([{ role: 'user', content: message }]), maxTokens, temperature: 0.2 }, controller.signal),
      (text) => process.stdout.write(text),
    );
    process.stdout.write('\n');
    return 0;
  } finally {
    await engine.dispose();
  }
}
