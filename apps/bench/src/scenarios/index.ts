import { backlog } from './backlog';
import { drain } from './drain';
import { ingest } from './ingest';
import { ingestBatch } from './ingest-batch';
import { latency } from './latency';
import { memory } from './memory';
import type { ScenarioDefinition } from './scenario';
import { scheduling } from './scheduling';

/** Every scenario, in the order a full run takes them. */
export const SCENARIOS: readonly ScenarioDefinition[] = [ingest, ingestBatch, drain, latency, memory, backlog, scheduling];
