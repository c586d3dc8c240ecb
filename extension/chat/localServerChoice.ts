/**
 * The choices the engine picker offers for the model servers found on this machine, and the user settings that
 * choosing one writes. Pure, so what the user is shown and what changes can be tested without VS Code.
 */
import type { DiscoveredServer } from '../../server/protocol/contract';

export interface ServerModelChoice {
  label: string;
  description: string;
  detail: string;
  baseUrl: string;
  model: string;
  serverName: string;
}

function fimNote(fim: boolean | undefined): string {
  if (fim === true) return 'fill-in-the-middle: yes (completions see the code after the cursor)';
  if (fim === false) return 'no fill-in-the-middle: completions see only the code before the cursor';
  return 'fill-in-the-middle: checked when chosen';
}

/** One choice a model: FIM models first (they make better inline completions), then in the servers' order. */
export function serverModelChoices(servers: readonly DiscoveredServer[]): ServerModelChoice[] {
  const choices = servers.flatMap((server) =>
    server.models.map((model) => ({
      label: model.id,
      description: `${server.name} · ${server.baseUrl}`,
      detail: fimNote(model.fim),
      baseUrl: server.baseUrl,
      model: model.id,
      serverName: server.name,
      fim: model.fim === true,
    })),
  );
  return choices.sort((a, b) => Number(b.fim) - Number(a.fim)).map(({ fim: _fim, ...choice }) => choice);
}

/** The user settings that point Rook at the chosen model, replacing any endpoints configured before. */
export function settingsForChoice(choice: ServerModelChoice): { engine: 'openai'; endpoints: string[]; model: string } {
  return { engine: 'openai', endpoints: [choice.baseUrl], model: choice.model };
}

/** What the confirmation says will change. */
export function confirmationFor(choice: ServerModelChoice): string {
  return `Use ${choice.model} on ${choice.serverName} (${choice.baseUrl})? Rook sets rook.engine to "openai", rook.openai.endpoints to ["${choice.baseUrl}"] and rook.openai.model to "${choice.model}" in your user settings.`;
}
