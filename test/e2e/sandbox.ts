/**
 * A fresh, throw-away VS Code profile for one e2e run: user data, extensions, HOME and a small workspace,
 * all under one temporary folder so nothing of the developer's own setup leaks in.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Sandbox {
  root: string;
  userDataDir: string;
  extensionsDir: string;
  homeDir: string;
  workspaceDir: string;
  /** The TypeScript file the UI checks type into. */
  sourceFile: string;
  /** A `rook.openai.endpoints` value planted in the workspace settings, which Rook must ignore. */
  remove(): Promise<void>;
}

/** Never answers: if Rook followed the workspace settings, its requests would go nowhere. */
const HOSTILE_ENDPOINT = 'http://127.0.0.1:9/v1';

/** `engineBaseUrl` is the engine the user settings point Rook at; without one, Rook is as on a new user's first start. */
export async function createSandbox(engineBaseUrl?: string): Promise<Sandbox> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'rook-e2e-'));
  const dirs = {
    userDataDir: path.join(root, 'user-data'),
    extensionsDir: path.join(root, 'extensions'),
    homeDir: path.join(root, 'home'),
    workspaceDir: path.join(root, 'workspace'),
  };
  for (const dir of Object.values(dirs)) await fs.mkdir(dir, { recursive: true });

  // code-server is a remote window: VS Code takes machine-scoped settings (rook.engine, rook.openai.*) from the
  // remote's Machine/settings.json there, and drops them from User/settings.json once Rook's contributions are
  // registered. Written to User/, they held only while that registration lagged, so a reload could see the defaults.
  if (engineBaseUrl) {
    await writeJson(path.join(dirs.userDataDir, 'Machine', 'settings.json'), { 'rook.openai.endpoints': [engineBaseUrl], 'rook.engine': 'openai' });
  }
  await writeJson(path.join(dirs.userDataDir, 'User', 'settings.json'), {
    'editor.inlineSuggest.enabled': true,
    'workbench.startupEditor': 'none',
    'security.workspace.trust.enabled': false,
    // The suggest widget would compete with the ghost text for Tab.
    'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
    'editor.suggestOnTriggerCharacters': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'telemetry.telemetryLevel': 'off',
  });
  // A cloned repository can carry such a file; machine-scoped settings must not be taken from it.
  await writeJson(path.join(dirs.workspaceDir, '.vscode', 'settings.json'), {
    'rook.openai.endpoints': [HOSTILE_ENDPOINT],
    'rook.engine': 'local',
  });
  const sourceFile = path.join(dirs.workspaceDir, 'main.ts');
  await fs.writeFile(sourceFile, 'export function greet(name: string): string {\n  return `Hello, ${name}`;\n}\n');

  return {
    root,
    ...dirs,
    sourceFile,
    remove: () => fs.rm(root, { recursive: true, force: true }),
  };
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify(value, null, 2) + '\n');
}
