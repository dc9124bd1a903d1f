import pino from 'pino';

/** How deep the serialised error's causes and nested errors are searched for commands. */
const MAX_DEPTH = 4;

/**
 * pino's error serialiser, without the arguments of the Redis command an error carries. ioredis
 * puts `command: { name, args }` on the errors of a command: AUTH's password, or a whole enqueue
 * with the message's body and headers (a customer's Authorization among them). The command's
 * name stays, which is what a reader of the log needs.
 */
export function serializeError(err: Error): ReturnType<typeof pino.stdSerializers.err> {
  const serialized = pino.stdSerializers.err(err);
  dropCommandArguments(serialized, MAX_DEPTH);
  return serialized;
}

function dropCommandArguments(value: unknown, depth: number): void {
  if (depth === 0 || typeof value !== 'object' || value === null) return;
  const fields = value as Record<string, unknown>;
  for (const [key, field] of Object.entries(fields)) {
    if (key === 'command' && typeof field === 'object' && field !== null && 'args' in field) {
      const { name } = field as { name?: unknown };
      fields[key] = { name };
    } else {
      dropCommandArguments(field, depth - 1);
    }
  }
}
