import { afterAll, beforeEach } from 'vitest';
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
