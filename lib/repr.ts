/**
 * Python-style repr() of values for toString() and error messages:
 * strings are quoted, errors show as `Name('message')`, functions by name.
 */
export function repr(value: unknown, depth = 0): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'function') return value.name ? `<function ${value.name}>` : '<function>';
  if (value instanceof Error) return `${value.name}(${repr(value.message)})`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object') return String(value);
  if (depth > 2) return '…';
  if (Array.isArray(value)) {
    const items = value.slice(0, 10).map((v) => repr(v, depth + 1));
    if (value.length > 10) items.push('…');
    return `[${items.join(', ')}]`;
  }
  const own = (value as { toString?: unknown }).toString;
  // A repr must never throw (it runs inside error reports): a null-prototype
  // object has no toString, and a custom one may fail.
  if (typeof own === 'function' && own !== Object.prototype.toString) {
    try {
      return String(value);
    } catch {
      /* fall through to JSON */
    }
  }
  // Generators, Promises, Maps… carry a toStringTag; JSON would show them as `{}`,
  // which made "yield was used instead of yield* … with {}" say nothing.
  const tag = (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  if (typeof tag === 'string') return `<${tag}>`;
  try {
    const s = JSON.stringify(value);
    if (s !== undefined) return s.length > 80 ? s.slice(0, 77) + '…' : s;
  } catch {
    /* circular: fall through */
  }
  return '[object]';
}

/** The name under which a function shows in reprs and traces. */
export function callableName(fn: unknown): string {
  return typeof fn === 'function' && fn.name ? fn.name.replace(/^bound /, '') : '<anonymous>';
}
