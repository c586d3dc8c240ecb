/**
 * `rook/chat` and `rook/edit`: a conversation, or an edit task's prompt, streamed from the engine. Text arrives as
 * `$/progress` partial results when the client asks for them; an edit streams a preview of its result.
 */
import { ResponseError, type Connection, type PartialResultParams, type ResultProgressReporter, type ServerCapabilities } from 'vscode-languageserver';
import { RookErrorCodes, chatRequest, editRequest, textDeltaProgress, type EngineInfo, type GenerationResult, type TextDelta } from '../../protocol/contract';
import { withSystemPrompt } from '../../chat/chatPrompt';
import { drain, type Engine, type StreamEvent } from '../../engines/engine';
import { planEditTask } from '../../refactor/editTasks';
import { PreviewStream } from '../../refactor/previewStream';
import type { EngineHost } from '../engineHost';
import { abortOn, toResponseError } from '../engineRequest';
import { byName, parseChatParams, parseEditParams } from '../params';
import type { Feature } from './feature';

/** Reports streamed text as `$/progress` partial results when the client asked for them. */
function partialResults(connection: Connection, params: PartialResultParams): ResultProgressReporter<TextDelta> | undefined {
  const token = params.partialResultToken;
  if (token === undefined) return undefined;
  return { report: (delta) => void connection.sendProgress(textDeltaProgress, token, delta) };
}

export class ChatEditFeature implements Feature {
  constructor(private readonly engineHost: EngineHost) {}

  initialize(connection: Connection): ServerCapabilities {
    connection.onRequest(chatRequest, byName('rook/chat', async (raw, token) => {
      const params = parseChatParams(raw);
      const resultProgress = partialResults(connection, params);
      const used = this.engineHost.requireEngine();
      const controller = abortOn(token);
      const stream = used.chat(
        {
          messages: withSystemPrompt(params.messages),
          maxTokens: params.maxTokens ?? 1024,
          temperature: params.temperature ?? 0.2,
        },
        controller.signal,
      );
      return this.streamGeneration(used, stream, resultProgress, controller);
    }));

    connection.onRequest(editRequest, byName('rook/edit', async (raw, token) => {
      const params = parseEditParams(raw);
      const resultProgress = partialResults(connection, params);
      const plan = planEditTask(params);
      if (!plan) throw new ResponseError(RookErrorCodes.InvalidParams, `rook/edit does not know the task "${params.task}".`);
      const used = this.engineHost.requireEngine();
      const controller = abortOn(token);
      const stream = used.chat({ messages: plan.messages, maxTokens: 2048, temperature: 0 }, controller.signal);
      const preview = new PreviewStream(plan.preview);
      const previewProgress = resultProgress && {
        report: ({ delta }: TextDelta) => {
          const piece = preview.push(delta);
          if (piece) resultProgress.report({ delta: piece });
        },
      };
      return this.streamGeneration(used, stream, previewProgress, controller, plan.result);
    }));
    return {};
  }

  private async streamGeneration(
    used: Engine,
    stream: AsyncIterable<StreamEvent>,
    progress: ResultProgressReporter<TextDelta> | undefined,
    controller: AbortController,
    transform: (text: string) => string = (text) => text,
  ): Promise<GenerationResult> {
    try {
      const { text, finishReason } = await drain(stream, (delta) => progress?.report({ delta }));
      this.engineHost.noteOutcome(used);
      const info: EngineInfo = { ...used.info };
      return { text: transform(text), finishReason: controller.signal.aborted ? 'cancelled' : finishReason, engine: info };
    } catch (error) {
      if (controller.signal.aborted) return { text: '', finishReason: 'cancelled', engine: used.info };
      this.engineHost.noteOutcome(used, error);
      throw toResponseError(error);
    }
  }
}
