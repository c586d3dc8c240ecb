/**
 * The canary: an HTTP server on 127.0.0.1 that every hostile payload points its requests at. A request
 * reaching it means something in the webview fetched a URL from model output; it records every hit.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Canary {
  /** e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** `METHOD path` of every request received. */
  hits: string[];
  close(): Promise<void>;
}

export async function startCanary(): Promise<Canary> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
