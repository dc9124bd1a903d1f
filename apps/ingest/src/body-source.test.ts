import { findBodySources } from './body-source';

const sources = (text: string, shape: 'message' | 'batch') => findBodySources(Buffer.from(text), shape);

describe('findBodySources', () => {
  it('cuts out the body as written, digits, spacing and key order kept', () => {
    const text = '{"destination":"https://a.example/x","body":{"id":12345678901234567890,"price":1.50, "2":0,"1":[ 1e2 ]},"retries":1}';
    expect(sources(text, 'message')).toEqual([{ text: '{"id":12345678901234567890,"price":1.50, "2":0,"1":[ 1e2 ]}', depth: 2 }]);
  });

  it('finds one body per element of a batch, and none where a message has none', () => {
    const text = ' \r\n[ {"body" : "text"} ,{"destination":"x"},\t{"body":[[]],"x":{"body":1}}, {"body":null} ]';
    expect(sources(text, 'batch')).toEqual([{ text: '"text"', depth: 0 }, undefined, { text: '[[]]', depth: 2 }, { text: 'null', depth: 0 }]);
  });

  it('takes the last of repeated body keys, as JSON.parse does, and an escaped spelling of the key', () => {
    expect(sources('{"body":1,"b\\u006fdy":{"a":2}}', 'message')).toEqual([{ text: '{"a":2}', depth: 1 }]);
    expect(sources('{"body":{"a":2},"bodyx":3,"\\"body":4}', 'message')).toEqual([{ text: '{"a":2}', depth: 1 }]);
  });

  it('is not misled by brackets, quotes and backslashes inside strings', () => {
    const body = '{"a":"}]\\"{[\\\\","b\\\\":"\\\\\\"","c":["\\u005d"]}';
    expect(JSON.parse(body)).toEqual({ a: '}]"{[\\', 'b\\': '\\"', c: [']'] });
    expect(sources(`{"body":${body},"z":1}`, 'message')).toEqual([{ text: body, depth: 2 }]);
  });

  it('keeps multi-byte characters whole and skips a byte-order mark', () => {
    expect(sources('\uFEFF{"body":{"é":"日本語 🚢"}}', 'message')).toEqual([{ text: '{"é":"日本語 🚢"}', depth: 1 }]);
  });

  it('measures depth without recursing, however deep the body nests', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(sources(`{"body":${deep}}`, 'message')[0]?.depth).toBe(200_000);
  });

  it('agrees with JSON.parse on randomly written messages', () => {
    const random = seeded(7);
    for (let round = 0; round < 300; round++) {
      const messages = Array.from({ length: 1 + Math.floor(random() * 4) }, () => randomMessage(random));
      const text = `[${messages.map((m) => m.text).join(space(random) + ',' + space(random))}]`;
      const parsed = JSON.parse(text) as Array<{ body?: unknown }>;
      const found = sources(text, 'batch');
      expect(found).toHaveLength(parsed.length);
      parsed.forEach((message, i) => {
        if (!('body' in message)) return expect(found[i]).toBeUndefined();
        expect(JSON.parse(found[i]!.text)).toEqual(message.body);
        expect(found[i]!.text).toBe(messages[i]!.bodyText);
        expect(found[i]!.depth).toBe(depthOf(message.body));
      });
    }
  });
});

/** A message object written with random spacing and escapes; `bodyText` is its last body's text. */
function randomMessage(random: () => number): { text: string; bodyText?: string } {
  const members: string[] = [];
  let bodyText: string | undefined;
  for (let n = Math.floor(random() * 5); n > 0; n--) {
    const isBody = random() < 0.4;
    const value = writeValue(randomValue(random, 0), random);
    if (isBody) bodyText = value;
    const key = isBody ? (random() < 0.2 ? '"b\\u006fdy"' : '"body"') : writeString(`${randomString(random)}#`, random);
    members.push(`${space(random)}${key}${space(random)}:${space(random)}${value}${space(random)}`);
  }
  return { text: `{${members.join(',')}}`, ...(bodyText === undefined ? {} : { bodyText }) };
}

function randomValue(random: () => number, level: number): unknown {
  const pick = random();
  if (level > 4 || pick < 0.3) return [randomString(random), 12345678901234567890, -0.5, 1.5e300, true, false, null, 0][Math.floor(random() * 8)];
  const length = Math.floor(random() * 4);
  if (pick < 0.65) return Array.from({ length }, () => randomValue(random, level + 1));
  return Object.fromEntries(Array.from({ length }, (_, i) => [random() < 0.2 ? 'body' : `${randomString(random)}${i}`, randomValue(random, level + 1)]));
}

function writeValue(value: unknown, random: () => number): string {
  if (typeof value === 'string') return writeString(value, random);
  if (Array.isArray(value)) return `[${value.map((v) => space(random) + writeValue(v, random) + space(random)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([k, v]) => `${space(random)}${writeString(k, random)}${space(random)}:${writeValue(v, random)}`);
    return `{${members.join(',')}}`;
  }
  return typeof value === 'number' && Math.abs(value) > 1e18 && value < 1e20 ? '12345678901234567890' : JSON.stringify(value);
}

/** JSON for a string, some characters escaped as \uXXXX where they need not be. */
function writeString(value: string, random: () => number): string {
  return JSON.stringify(value).replace(/[a-z]/g, (c) => (random() < 0.1 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c));
}

function randomString(random: () => number): string {
  const alphabet = ['a', 'b', '"', '\\', '{', '}', '[', ']', ':', ',', ' ', '\n', 'é', '日', '🚢', 'body'];
  return Array.from({ length: Math.floor(random() * 6) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
}

function space(random: () => number): string {
  return [' ', '', '\n', '\t', '\r\n  ', ''][Math.floor(random() * 6)]!;
}

function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depthOf));
}

/** A small deterministic generator, so a failure can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}
