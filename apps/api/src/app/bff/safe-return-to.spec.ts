import { safeReturnTo } from './bff-routes';

describe('safeReturnTo', () => {
  it.each(['/dashboard', '/history?direction=in', '/'])('when %p is a same-origin path, then it is kept', (path) => {
    expect(safeReturnTo(path)).toBe(path);
  });

  it.each(['//evil.example/x', '/\\\\evil.example', 'https://evil.example', 'javascript:alert(1)', '/x\r\nSet-Cookie: a=b', undefined, 42, `/${'a'.repeat(600)}`])(
    'when %p could leave the site or is malformed, then / is used',
    (value) => {
      expect(safeReturnTo(value)).toBe('/');
    },
  );
});
