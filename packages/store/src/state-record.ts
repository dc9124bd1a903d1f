import { DeliveryState } from '@ferry/contracts';

/** TypeScript view of a delivery's record line (format in lua/includes/record.lua). */
export interface StateRecord {
  state: DeliveryState;
  attempt: number;
  maxAttempts: number;
  free: number;
  createdAt: number;
  updatedAt: number;
  /** When it may start, ms since the epoch; 0 for at once. */
  dueAt: number;
  dest: string;
  tenant: string;
  /** '' when it has none. */
  orderingKey: string;
}

const RECORD = /^([a-z_]+)\|(\d+)\|(\d+)\|(\d+)\|(\d+)\|(\d+)\|(\d+)\|([^|]*)\|([^|]*)\|(.*)$/;

/** Splits a stored delivery into its record and its envelope (the rest, after the first newline). */
export function splitDelivery(raw: string): { record: StateRecord; envelope: string } {
  const newline = raw.indexOf('\n');
  if (newline === -1) throw new Error(`malformed delivery: ${raw.slice(0, 80)}`);
  return { record: parseStateRecord(raw.slice(0, newline)), envelope: raw.slice(newline + 1) };
}

function parseStateRecord(raw: string): StateRecord {
  const match = RECORD.exec(raw);
  const state = DeliveryState.safeParse(match?.[1]);
  if (!match || !state.success) throw new Error(`malformed delivery state record: ${raw.slice(0, 80)}`);
  return {
    state: state.data,
    attempt: Number(match[2]),
    maxAttempts: Number(match[3]),
    free: Number(match[4]),
    createdAt: Number(match[5]),
    updatedAt: Number(match[6]),
    dueAt: Number(match[7]),
    dest: match[8]!,
    tenant: match[9]!,
    orderingKey: match[10]!,
  };
}
