const TTY_REFRESH_MS = 100;
const LOG_EVERY_MS = 5_000;

/**
 * The live progress line on stderr. On a terminal it is one line redrawn with `\r`; anywhere
 * else (a CI log, a test capturing the output) it is plain lines: one per step, and a status
 * line at most every few seconds, so a log stays readable and still shows the run is alive.
 */
export class Progress {
  private readonly tty: boolean;
  private shown = '';
  private lastDrawAt = 0;
  private lastLogAt = 0;
  private prefix = '';

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.tty = stream.isTTY === true;
  }

  /** Names the step that follows ("drain: Ferry"); every update carries it. */
  step(text: string): void {
    this.prefix = text;
    if (this.tty) this.draw(text, true);
    else this.writeLine(text);
  }

  /** What is happening within the step ("12 000 / 50 000 delivered"); throttled. */
  update(text: string): void {
    const line = `${this.prefix}: ${text}`;
    const now = Date.now();
    if (this.tty) {
      if (now - this.lastDrawAt >= TTY_REFRESH_MS) this.draw(line, false);
      return;
    }
    if (now - this.lastLogAt >= LOG_EVERY_MS) this.writeLine(line);
  }

  /** A line that stays (a warning, a scenario's outcome). */
  note(text: string): void {
    this.clear();
    this.stream.write(`${text}\n`);
  }

  clear(): void {
    if (this.tty && this.shown !== '') this.stream.write(`\r${' '.repeat(this.shown.length)}\r`);
    this.shown = '';
  }

  private draw(line: string, force: boolean): void {
    // A pseudo-terminal without a size reports 0 columns.
    const columns = this.stream.columns > 0 ? this.stream.columns : 100;
    const width = Math.max(20, columns - 1);
    const text = line.length > width ? `${line.slice(0, width - 1)}…` : line;
    if (!force && text === this.shown) return;
    this.stream.write(`\r${text}${' '.repeat(Math.max(0, this.shown.length - text.length))}`);
    this.shown = text;
    this.lastDrawAt = Date.now();
  }

  private writeLine(line: string): void {
    this.stream.write(`${line}\n`);
    this.lastLogAt = Date.now();
  }
}
