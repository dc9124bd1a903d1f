/**
 * A message body as the sender wrote it. Parsing a body and serialising it again would change
 * it: integers past 2^53 lose digits, 1.50 becomes 1.5, keys that look like numbers move to the
 * front, and a receiver that checks a signature over the sender's bytes would refuse it. So the
 * body's JSON text is cut out of the request as sent. (It is also cheaper than serialising.)
 */
export interface BodySource {
  text: string;
  /** How deep its objects and arrays nest: 0 for a number, 1 for `{}`, 2 for `{"a":[]}`. */
  depth: number;
}

/** A request body holds one message (an object) or a batch (an array of them). */
export type RequestShape = 'message' | 'batch';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const BODY_KEY = Buffer.from('"body"');

/**
 * The `body` member of each message in `raw`, UTF-8 JSON that JSON.parse has already accepted
 * (nothing here validates it): one entry for a message, one per element for a batch, undefined
 * where there is none. Where a key repeats, the last one counts, as it does for JSON.parse.
 * Scans without recursion: a hostile body nests as deep as it likes.
 */
export function findBodySources(raw: Buffer, shape: RequestShape): Array<BodySource | undefined> {
  const scan = new Scanner(raw);
  scan.skipByteOrderMark();
  if (shape === 'message') return [scan.skipSpace() === OPEN_BRACE ? scan.bodyOfObject() : undefined];
  const sources: Array<BodySource | undefined> = [];
  if (scan.skipSpace() !== OPEN_BRACKET) return sources;
  scan.at++;
  while (scan.before(CLOSE_BRACKET)) {
    const start = scan.at;
    if (raw[start] === OPEN_BRACE) sources.push(scan.bodyOfObject());
    else {
      scan.skipValue();
      sources.push(undefined);
    }
    if (scan.skipSpace() === COMMA) scan.at++;
    if (scan.at === start) break; // only on text JSON.parse refuses
  }
  return sources;
}

class Scanner {
  at = 0;
  constructor(private readonly raw: Buffer) {}

  skipByteOrderMark(): void {
    if (this.raw[0] === 0xef && this.raw[1] === 0xbb && this.raw[2] === 0xbf) this.at = 3;
  }

  /** Moves past JSON whitespace; answers the byte it stopped at. */
  skipSpace(): number | undefined {
    const { raw } = this;
    let byte = raw[this.at];
    while (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) byte = raw[++this.at];
    return byte;
  }

  /** Whether another member or element comes before `close` (or the end of text JSON.parse refuses). */
  before(close: number): boolean {
    const byte = this.skipSpace();
    return byte !== undefined && byte !== close;
  }

  /** At an object's `{`: moves past it and answers its `body` member, if it has one. */
  bodyOfObject(): BodySource | undefined {
    const { raw } = this;
    let body: BodySource | undefined;
    this.at++;
    while (this.before(CLOSE_BRACE)) {
      const keyStart = this.at;
      if (raw[keyStart] !== QUOTE) break; // only on text JSON.parse refuses
      this.skipString();
      const isBody = this.isBodyKey(keyStart, this.at);
      if (this.skipSpace() === COLON) this.at++;
      this.skipSpace();
      const valueStart = this.at;
      const depth = this.skipValue();
      if (isBody) body = { text: raw.toString('utf8', valueStart, this.at), depth };
      if (this.skipSpace() === COMMA) this.at++;
    }
    this.at++;
    return body;
  }

  /** Moves past one value; answers how deep it nests. */
  skipValue(): number {
    const { raw } = this;
    const first = raw[this.at];
    if (first === QUOTE) {
      this.skipString();
      return 0;
    }
    if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
      // A number, true, false or null: runs to the next delimiter.
      let byte = first;
      while (byte !== undefined && byte !== COMMA && byte !== CLOSE_BRACE && byte !== CLOSE_BRACKET && byte > 0x20) byte = raw[++this.at];
      return 0;
    }
    let depth = 0;
    let deepest = 0;
    do {
      const byte = raw[this.at];
      if (byte === QUOTE) {
        this.skipString();
        continue;
      }
      if (byte === OPEN_BRACE || byte === OPEN_BRACKET) deepest = Math.max(deepest, ++depth);
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
      this.at++;
    } while (depth > 0 && this.at < raw.length);
    return deepest;
  }

  /** At a string's opening quote: moves past its closing one. */
  private skipString(): void {
    const { raw } = this;
    let end = raw.indexOf(QUOTE, this.at + 1);
    while (end !== -1 && escaped(raw, end)) end = raw.indexOf(QUOTE, end + 1);
    this.at = end === -1 ? raw.length : end + 1;
  }

  /** Whether the string key in raw[start, end) is "body", however it is spelt. */
  private isBodyKey(start: number, end: number): boolean {
    const { raw } = this;
    if (end - start === BODY_KEY.length) return raw.compare(BODY_KEY, 0, BODY_KEY.length, start, end) === 0;
    // "b\u006fdy" is "body" too.
    const backslash = raw.indexOf(BACKSLASH, start);
    return backslash !== -1 && backslash < end && JSON.parse(raw.toString('utf8', start, end)) === 'body';
  }
}

/** Whether the quote at `quote` is escaped: preceded by an odd number of backslashes. */
function escaped(raw: Buffer, quote: number): boolean {
  let backslashes = 0;
  while (raw[quote - 1 - backslashes] === BACKSLASH) backslashes++;
  return backslashes % 2 === 1;
}
