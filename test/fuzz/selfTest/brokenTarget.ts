/**
 * A reader with every defect the fuzz harness must catch, chosen by the input's first byte: a TypeError (a crash),
 * an endless loop (a hang), a length field trusted for an allocation, a refusal with its own error type, or success.
 * Only the harness's own tests use it.
 */
import type { FuzzTarget } from '../target';

export class BrokenTargetError extends Error {}

export const target: FuzzTarget = {
  seeds: () => [Uint8Array.of(0xf0, 1), Uint8Array.of(0xc0, 2, 3)],
  run(input) {
    const first = input[0] ?? 0xff;
    if (first < 0x20) return (undefined as unknown as { slice(): 'accepted' }).slice();
    if (first < 0x30) for (;;);
    if (first < 0x40) return new Float32Array(1 << 22).length > 0 ? 'accepted' : 'refused';
    if (first < 0x80) throw new BrokenTargetError('refused');
    return 'accepted';
  },
  ownError: (error) => error instanceof BrokenTargetError,
  expansion: 1,
};
