import * as fs from 'node:fs';

/**
 * This process's peak resident memory (Linux `VmHWM`). Not `process.resourceUsage().maxRSS`: Linux carries the
 * parent's high-water mark into a child across fork and exec, which would hide a child smaller than its parent.
 */
export function peakRssBytes(): number {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  if (!line) throw new Error('/proc/self/status has no VmHWM line (peak memory is measured on Linux only)');
  return Number(line.split(/\s+/)[1]) * 1024;
}
