/**
 * Records the largest single allocation that code asks for, by wrapping the constructors and factories that take a
 * size: ArrayBuffer, the typed arrays, Buffer's allocators, Array (a length) and Array.from of an array-like,
 * String.prototype.repeat/padStart/padEnd. Installed once in a fuzz worker before any target loads. Node's own
 * internals keep the originals (they are captured at startup), so only allocations made by JavaScript code count.
 * What it cannot see (objects and strings built piece by piece) is left to the worker's heap limit.
 */

export interface AllocationMeter {
  /** Starts a new measurement. */
  reset(): void;
  /** The largest allocation, in bytes, since the last reset. */
  largest(): number;
}

export function installAllocationMeter(): AllocationMeter {
  let largest = 0;
  const record = (bytes: number) => {
    if (Number.isFinite(bytes) && bytes > largest) largest = bytes;
  };
  const lengthOf = (value: unknown): number | undefined => {
    if (typeof value === 'number') return value;
    if (typeof value === 'bigint') return Number(value);
    if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer)) return undefined;
    if (value !== null && typeof value === 'object' && typeof (value as { length?: unknown }).length === 'number') return (value as { length: number }).length;
    return undefined;
  };
  const global = globalThis as unknown as Record<string, unknown>;

  const meterConstructor = (name: string, bytesPer: number) => {
    const original = global[name] as new (...args: unknown[]) => unknown;
    global[name] = new Proxy(original, {
      construct(target, args, newTarget) {
        const length = lengthOf(args[0]);
        if (length !== undefined) record(length * bytesPer);
        return Reflect.construct(target, args, newTarget === global[name] ? target : newTarget);
      },
    });
  };
  meterConstructor('ArrayBuffer', 1);
  meterConstructor('SharedArrayBuffer', 1);
  for (const name of ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array']) {
    meterConstructor(name, (global[name] as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT);
  }

  for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
    const original = Buffer[name] as (size: number, ...rest: unknown[]) => Buffer;
    (Buffer as unknown as Record<string, unknown>)[name] = (size: number, ...rest: unknown[]) => {
      record(size);
      return original.call(Buffer, size, ...rest);
    };
  }
  const concat = Buffer.concat;
  Buffer.concat = (list: readonly Uint8Array[], totalLength?: number) => {
    record(totalLength ?? list.reduce((sum, item) => sum + item.length, 0));
    return concat.call(Buffer, list, totalLength);
  };

  // An element of a JavaScript array takes at least a pointer.
  const OriginalArray = Array;
  const arrayLength = (args: unknown[]) => (args.length === 1 && typeof args[0] === 'number' ? record(args[0] * 8) : undefined);
  global.Array = new Proxy(OriginalArray, {
    construct(target, args, newTarget) {
      arrayLength(args);
      return Reflect.construct(target, args, newTarget === global.Array ? target : newTarget);
    },
    apply(target, self, args) {
      arrayLength(args);
      return Reflect.apply(target, self, args);
    },
  });
  const from = OriginalArray.from;
  OriginalArray.from = function (this: unknown, items: unknown, ...rest: unknown[]) {
    if (items !== null && typeof items === 'object' && !(Symbol.iterator in items)) record(Number((items as { length?: unknown }).length) * 8);
    return (from as (...args: unknown[]) => unknown[]).call(this, items, ...rest);
  } as typeof from;

  const strings = String.prototype;
  const repeat = strings.repeat;
  strings.repeat = function (this: string, count: number) {
    record(String(this).length * count * 2);
    return repeat.call(this, count);
  };
  for (const name of ['padStart', 'padEnd'] as const) {
    const original = strings[name];
    strings[name] = function (this: string, maxLength: number, fill?: string) {
      record(maxLength * 2);
      return original.call(this, maxLength, fill);
    };
  }

  return {
    reset: () => {
      largest = 0;
    },
    largest: () => largest,
  };
}
