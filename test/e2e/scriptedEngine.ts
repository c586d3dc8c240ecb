/**
 * The engine Rook talks to during the e2e run: the OpenAI-compatible test server with fixed, recognisable
 * answers, so the checks can tell Rook's output apart from anything VS Code shows on its own.
 */
import { startOpenAIServer, type OpenAIServer } from '../support/openaiServer';

/** What every `/v1/completions` request is answered with: typed after `COMPLETION_PREFIX`, it reads `const answer = 42;`. */
export const COMPLETION_CONTINUATION = ' = 42;';
export const COMPLETION_PREFIX = 'const answer';

/** A markdown chat answer with a code block; the marker and the code line identify it once rendered. */
export const CHAT_ANSWER_MARKER = 'Scripted answer from the test engine.';
export const CHAT_ANSWER_CODE_LINE = 'return a + b;';
export const CHAT_ANSWER = [
  CHAT_ANSWER_MARKER,
  '',
  '```ts',
  'export function add(a: number, b: number): number {',
  `  ${CHAT_ANSWER_CODE_LINE}`,
  '}',
  '```',
  '',
  'It adds two numbers.',
].join('\n');

/**
 * A chat request whose messages contain `scriptedReply(text)` is answered with `text`, one that contains
 * `scriptedFailure(message)` fails with HTTP 400 and `message`: the refactor suites put these into the code,
 * instruction, diagnostic or staged diff that Rook sends, so each test scripts its own answer.
 */
export function scriptedReply(text: string): string {
  return `<<rook-reply:${encodeURIComponent(text)}>>`;
}

export function scriptedFailure(message: string): string {
  return `<<rook-fail:${encodeURIComponent(message)}>>`;
}

/**
 * A completion prompt that contains `scriptedCompletion(text)` is answered with `text`: the completion suites
 * put it where only the context they test can carry it into the prompt (a definition in another file, the
 * document itself).
 */
export function scriptedCompletion(text: string): string {
  return `<<rook-completion:${encodeURIComponent(text)}>>`;
}

/** A completion prompt that contains `scriptedDelay(ms)` is answered after `ms`: a remote engine's time to first token. */
export function scriptedDelay(ms: number): string {
  return `<<rook-delay:${ms}>>`;
}

function requested(kind: 'reply' | 'fail' | 'completion' | 'delay', texts: unknown[]): string | undefined {
  for (const text of texts) {
    const match = new RegExp(`<<rook-${kind}:([^>]*)>>`).exec(String(text));
    if (match) return decodeURIComponent(match[1]);
  }
  return undefined;
}

const messageTexts = (body: { messages?: { content?: unknown }[] }) => (body.messages ?? []).map((message) => message.content);

export function startScriptedEngine(): Promise<OpenAIServer> {
  return startOpenAIServer({
    reply: ({ path, body }) =>
      path === '/v1/completions'
        ? (requested('completion', [body.prompt]) ?? COMPLETION_CONTINUATION)
        : (requested('reply', messageTexts(body)) ?? CHAT_ANSWER),
    fault: ({ path, body }) => {
      const message = path === '/v1/chat/completions' ? requested('fail', messageTexts(body)) : undefined;
      return message === undefined ? undefined : { kind: 'http-error', status: 400, message };
    },
    // Chat slow enough that its answer arrives as a visible stream of ~40 chunks, fast enough to take ~1 s;
    // completions at a GPU server's pace (~1 ms a chunk), well inside the multi-line time budget.
    chunkDelayMs: (path) => (path === '/v1/chat/completions' ? 25 : 1),
    firstChunkDelayMs: ({ path, body }) => (path === '/v1/completions' ? Number(requested('delay', [body.prompt]) ?? 0) : 0),
  });
}
