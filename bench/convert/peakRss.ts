import { procStatusBytes } from '../procStatus';

/** This process's peak resident memory (Linux `VmHWM`, `procStatusBytes`). */
export function peakRssBytes(): number {
  const bytes = procStatusBytes('VmHWM');
  if (bytes === undefined) throw new Error('/proc/self/status has no VmHWM line (peak memory is measured on Linux only)');
  return bytes;
}
