/**
 * code-server 4.100.3 (VS Code 1.100.3 served to a browser), installed by scripts/install-test-deps.sh into
 * .cache/code-server: installs the packaged extension, then serves the workbench on 127.0.0.1 in a process
 * group of its own, so that stopping it also stops its file watchers and extension hosts.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Sandbox } from './sandbox';
import { sleep } from './wait';

const execFileAsync = promisify(execFile);

export interface CodeServer {
  /** e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** `host:port`, the remote authority of `vscode-remote://` URIs. */
  authority: string;
  stop(): Promise<void>;
}

export function codeServerBinary(repoRoot: string): string {
  const binary = path.join(repoRoot, '.cache', 'code-server', 'node_modules', '.bin', 'code-server');
  if (!fs.existsSync(binary)) {
    throw new Error(`code-server not found at ${binary}; run scripts/install-test-deps.sh first`);
  }
  return binary;
}

function profileArgs(sandbox: Sandbox): string[] {
  return ['--user-data-dir', sandbox.userDataDir, '--extensions-dir', sandbox.extensionsDir];
}

function profileEnv(sandbox: Sandbox, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, HOME: sandbox.homeDir, ...extra };
}

/** Installs a .vsix and returns the folder it was unpacked into. */
export async function installExtension(
  binary: string,
  sandbox: Sandbox,
  vsixPath: string,
  extensionId: string,
): Promise<string> {
  await execFileAsync(binary, [...profileArgs(sandbox), '--install-extension', vsixPath], {
    env: profileEnv(sandbox),
    timeout: 120_000,
  });
  // extensions.json is VS Code's own record of what is installed and where.
  const installed: { identifier: { id: string }; location: { path: string } }[] = JSON.parse(
    fs.readFileSync(path.join(sandbox.extensionsDir, 'extensions.json'), 'utf8'),
  );
  const entry = installed.find((e) => e.identifier.id.toLowerCase() === extensionId.toLowerCase());
  if (!entry) throw new Error(`${extensionId} is not in extensions.json after installing ${vsixPath}`);
  return entry.location.path;
}

export async function startCodeServer(
  binary: string,
  sandbox: Sandbox,
  options: { logFile: string; env?: NodeJS.ProcessEnv },
): Promise<CodeServer> {
  const port = await freePort();
  const authority = `127.0.0.1:${port}`;
  const log = fs.openSync(options.logFile, 'w');
  const args = [
    '--bind-addr', authority,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    ...profileArgs(sandbox),
    sandbox.workspaceDir,
  ];
  // detached: the child calls setsid(), leading a new process group that stop() signals as a whole.
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', log, log], env: profileEnv(sandbox, options.env) });
  fs.closeSync(log);
  let running = true;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running = false;
      resolve();
    }),
  );
  const killGroup = () => signalGroup(child, 'SIGKILL');
  // Last resort if the harness dies without reaching stop().
  process.once('exit', killGroup);

  const server: CodeServer = {
    url: `http://${authority}`,
    authority,
    stop: async () => {
      process.removeListener('exit', killGroup);
      signalGroup(child, 'SIGTERM');
      await Promise.race([exited, sleep(5_000)]);
      // Watchers and extension hosts can outlive the parent: finish whatever is left of the group.
      signalGroup(child, 'SIGKILL');
    },
  };
  try {
    await waitForHealthy(server.url, () => running, 60_000, options.logFile);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

async function waitForHealthy(url: string, isRunning: () => boolean, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning()) throw new Error(`code-server exited during startup; see ${logFile}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs / 1000} s; see ${logFile}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
