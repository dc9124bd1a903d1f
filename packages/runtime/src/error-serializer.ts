import pino from 'pino';

/** How deep the serialised error's fields, causes and nested errors are searched for commands. */
const MAX_DEPTH = 4;

/**
 * pino's error serialiser, without the arguments of the Redis command an error carries. ioredis
 * puts `command: { name, args }` on the errors of a command: AUTH's password, or a whole enqueue
 * with the message's body and headers (a customer's Authorization among them). The command's
 * name stays, which is what a reader of the log needs. The error itself is left as it was: what
 * is changed is a copy.
 */
export function serializeError(err: Error): ReturnType<typeof pino.stdSerializers.err> {
  // One level more: the error itself, whose fields are then searched MAX_DEPTH deep.
  return withoutArguments('', err, MAX_DEPTH + 1) as ReturnType<typeof pino.stdSerializers.err>;
}

function withoutArguments(key: string, value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (key === 'command' && 'args' in value) return { name: (value as { name?: unknown }).name };
  if (depth === 0) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => withoutArguments('', item, depth - 1));
  const copy: Record<string, unknown> = value instanceof Error ? { ...pino.stdSerializers.err(value) } : { ...value };
  for (const [name, field] of Object.entries(copy)) copy[name] = withoutArguments(name, field, depth - 1);
  return copy;
}
