/** Reading a size-limited JSON request body and writing JSON or error responses. */
import type * as http from 'node:http';
import { ApiError } from './apiError';

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: http.ServerResponse, error: ApiError): void {
  const headers: http.OutgoingHttpHeaders = {};
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  if (error.status === 401) headers['www-authenticate'] = 'Bearer';
  // The rest of an oversized upload is not worth reading; closing the connection stops it.
  if (error.status === 413) headers.connection = 'close';
  sendJson(res, error.status, error.body, headers);
}

/**
 * Reads the body as JSON, refusing it with 413 as soon as it passes `limitBytes` (a declared
 * `content-length` is checked before anything is read), so a huge upload costs the server nothing.
 */
export function readJsonBody(req: http.IncomingMessage, limitBytes: number): Promise<unknown> {
  const tooLarge = new ApiError(413, `Request body exceeds the server's limit of ${limitBytes} bytes.`, 'invalid_request_error', 'request_too_large');
  if (Number(req.headers['content-length'] ?? 0) > limitBytes) return Promise.reject(tooLarge);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge);
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > limitBytes) return;
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(ApiError.invalid('The request body is not valid JSON.'));
      }
    });
    req.on('error', reject);
  });
}
