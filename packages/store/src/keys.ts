/**
 * The Redis key schema — the only place key names are built.
 *
 * Every key of a shard shares the hash tag `{s}`, so one script only ever touches one cluster
 * slot (see docs/decisions/0002-store-layout.md). Per-delivery data lives in shard-wide hashes
 * keyed by delivery id rather than in a key per delivery: a script that pops an id from a list
 * can then read and write that delivery through keys it was given, never through a name it
 * assembled itself.
 *
 *   <p>:{s}:deliveries           hash    id -> record line, "\n", envelope JSON, "\n", body, where the
 *                                        record is "state|attempt|maxAttempts|free|createdAt|updatedAt|
 *                                        dueAt|dest|tenant|orderingKey" (lua/includes/record.lua)
 *   <p>:{s}:attempts             hash    id -> JSON array of attempt records (the status trail)
 *   <p>:{s}:due                  zset    scheduled and retry-waiting ids, score = due time (ms); a record
 *                                        still scheduled or retrying whose id has left it is ready (promote.lua)
 *   <p>:{s}:ready:<dest>         list    ids ready to send to one destination origin, oldest first
 *   <p>:{s}:ready-count          hash    n: entries in all the shard's ready lists together (lua/includes/ready.lua);
 *                                        since: when lua/ready-recount.lua made it exact (decision 0010)
 *   <p>:{s}:dests                zset    the rotation: destinations that may be served now
 *   <p>:{s}:parked               zset    destinations waiting out a Retry-After or rate, score = until (ms)
 *   <p>:{s}:dest:<dest>          hash    per destination: inflight, settings, until, tat, last error
 *   <p>:{s}:destinations         zset    destinations seen, score = last activity (ms); the API's list
 *   <p>:{s}:leases               zset    in-flight ids, score = lease expiry (ms)
 *   <p>:{s}:inflight             hash    in-flight id -> "attempt|leasedAt": the lease token, and when it
 *                                        began; the record is written when the lease ends (lua/includes/lease.lua)
 *   <p>:{s}:dlq                  zset    dead-lettered ids, score = time of death (ms)
 *   <p>:{s}:done                 zset    terminal ids, score = finish time; drives retention
 *   <p>:{s}:backlog              hash    tenant -> deliveries not yet finished (backpressure)
 *   <p>:{s}:events               stream  lifecycle log (trimmed), never the source of truth; one entry may name a batch
 *   <p>:{s}:wake                 list    wake-up token for idle dispatchers (BLPOP): a destination with work
 *   <p>:{s}:waiting              set     dispatchers waiting for work: "leaseMs|cap|instance"
 *   <p>:{s}:handoff              list    deliveries leased on arrival to a waiting dispatcher (BLPOP), each
 *                                        "id|attempt|dest", "\n", envelope (lua/includes/handoff.lua)
 *   <p>:{s}:order:<dest>:<t>:<k> list    unfinished deliveries of an ordering key, head first
 *   <p>:shards                   string  the shard count this keyspace was created with
 *
 * `<p>` is the configurable prefix (default `ferry`), `<dest>` a destination origin such as
 * `https://api.example.com:8443`, `<t>` a tenant id. A destination lives on one shard (see
 * docs/decisions/0003-fair-isolated-ordered-delivery.md), so its limits hold exactly.
 */
export class Keys {
  constructor(readonly prefix: string) {}

  private tag(shard: number): string {
    return `${this.prefix}:{${shard}}`;
  }

  deliveries(shard: number): string {
    return `${this.tag(shard)}:deliveries`;
  }
  attempts(shard: number): string {
    return `${this.tag(shard)}:attempts`;
  }
  due(shard: number): string {
    return `${this.tag(shard)}:due`;
  }
  ready(shard: number, dest: string): string {
    return `${this.tag(shard)}:ready:${dest}`;
  }
  readyCount(shard: number): string {
    return `${this.tag(shard)}:ready-count`;
  }
  /** A SCAN MATCH pattern for every ready list of a shard, and nothing else. */
  readyListPattern(shard: number): string {
    return `${escapeGlob(this.ready(shard, ''))}*`;
  }
  dests(shard: number): string {
    return `${this.tag(shard)}:dests`;
  }
  dest(shard: number, dest: string): string {
    return `${this.tag(shard)}:dest:${dest}`;
  }
  parked(shard: number): string {
    return `${this.tag(shard)}:parked`;
  }
  destinations(shard: number): string {
    return `${this.tag(shard)}:destinations`;
  }
  backlog(shard: number): string {
    return `${this.tag(shard)}:backlog`;
  }
  leases(shard: number): string {
    return `${this.tag(shard)}:leases`;
  }
  inflight(shard: number): string {
    return `${this.tag(shard)}:inflight`;
  }
  dlq(shard: number): string {
    return `${this.tag(shard)}:dlq`;
  }
  done(shard: number): string {
    return `${this.tag(shard)}:done`;
  }
  events(shard: number): string {
    return `${this.tag(shard)}:events`;
  }
  wake(shard: number): string {
    return `${this.tag(shard)}:wake`;
  }
  waiting(shard: number): string {
    return `${this.tag(shard)}:waiting`;
  }
  handoff(shard: number): string {
    return `${this.tag(shard)}:handoff`;
  }
  order(shard: number, dest: string, tenant: string, orderingKey: string): string {
    return `${this.tag(shard)}:order:${dest}:${tenant}:${orderingKey}`;
  }
  shardCount(): string {
    return `${this.prefix}:shards`;
  }
}

/** `text` with Redis's glob characters escaped, so that a SCAN MATCH pattern matches it literally. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
