import * as fs from 'node:fs';

/**
 * A field of this process's `/proc/self/status` in bytes (`VmHWM` the peak resident memory, `VmRSS`, `RssAnon`,
 * `RssFile`), or undefined where there is none (off Linux). VmHWM, not `process.resourceUsage().maxRSS`: Linux
 * carries the parent's high-water mark into a child across fork and exec, which would hide a child smaller than its
 * parent.
 */
export function procStatusBytes(field: string): number | undefined {
  const file = '/proc/self/status';
  if (!fs.existsSync(file)) return undefined;
  const kB = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(fs.readFileSync(file, 'utf8'))?.[1];
  return kB === undefined ? undefined : Number(kB) * 1024;
}
