import { describe, expect, it } from 'vitest';
import { requestInfo, saneRequestId } from './request-id.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('accepts 1 to 128 characters of letters, digits and _ . : + = @ / -', () => {
    for (const id of ['a', 'req-1', 'Root=1-5759e988-bd862e3fe1be46a994272793', 'x/y:z@h+q_.', 'x'.repeat(128)])
      expect(saneRequestId(id), id).toBe(true);
    for (const id of ['', 'x'.repeat(129), 'has space', 'new\nline', 'quote"', 'ünïcode', 'a,b', undefined, 7])
      expect(saneRequestId(id), String(id)).toBe(false);
  });

  it("keeps a client's sane header, and generates a UUID otherwise", () => {
    expect(requestInfo('abc-1')).toEqual({ id: 'abc-1', idFrom: 'header' });
    for (const header of [undefined, 'bad id', ['a', 'b']]) {
      const info = requestInfo(header);
      expect(info.idFrom).toBe('generated');
      expect(info.id).toMatch(UUID);
    }
    expect(requestInfo(undefined).id).not.toBe(requestInfo(undefined).id);
  });
});
