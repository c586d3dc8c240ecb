/**
 * Bearer-token check. Both sides are hashed to fixed-length digests before `timingSafeEqual`, so the
 * comparison takes the same time whatever the guess, including its length.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Returns a check of an `Authorization` header; with no token configured every request passes. */
export function bearerCheck(token: string | undefined): (authorization: string | undefined) => boolean {
  if (!token) return () => true;
  const expected = digest(token);
  return (authorization) => {
    const presented = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1] ?? '';
    return timingSafeEqual(digest(presented), expected);
  };
}
