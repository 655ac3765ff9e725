import { afterAll, beforeEach } from 'vitest';
import type { Readable } from 'node:stream';
import { setLogDestination, setLogLevel } from '../../core/log.ts';

/**
 * Collects the logger's lines in this test file: before each test the collector is emptied and the level set
 * to info; after the file the logger writes to stderr again. `read()` takes the lines written since the last
 * read, parsed.
 *
 * @example const logs = captureLogs(); … expect(logs.read()).toContainEqual(expect.objectContaining({ msg: 'request' }));
 */
export function captureLogs(): { read(): Record<string, unknown>[] } {
  const lines: string[] = [];
  beforeEach(() => {
    lines.length = 0;
    setLogLevel('info');
    setLogDestination({ write: (line: string) => void lines.push(line) });
  });
  afterAll(() => setLogDestination());
  return { read: () => lines.splice(0).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/**
 * Reads a child process's stderr as the gateway's JSON log lines: each complete line parsed goes to `line`, one
 * that is not JSON to `other`; an unfinished line waits for the next chunk. `chunk` runs after each chunk's lines.
 *
 * @example readLogLines(child.stderr, (l) => lines.push(l));
 */
export function readLogLines(
  stream: Readable,
  line: (parsed: Record<string, unknown>) => void,
  other: (text: string) => void = () => {},
  chunk: () => void = () => {},
): void {
  let buf = '';
  stream.on('data', (d: Buffer) => {
    const complete = (buf + d.toString()).split('\n');
    buf = complete.pop() ?? '';
    for (const text of complete) {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        other(text);
        continue;
      }
      line(parsed);
    }
    chunk();
  });
}
