import { safeReturnTo } from './bff-routes';

const base = 'http://localhost:8080';

describe('safeReturnTo', () => {
  it.each(['/dashboard', '/history?direction=in', '/', '/a/../b'])('when %p is a same-origin path, then it is kept (normalised)', (path) => {
    expect(safeReturnTo(path, base)).toBe(new URL(path, base).pathname + new URL(path, base).search);
  });

  it.each([
    '//evil.example/x',
    '/\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r//evil.example',
    '/\u0000/x',
    '\t//evil.example',
    'https://evil.example',
    'javascript:alert(1)',
    '/x\r\nSet-Cookie: a=b',
    undefined,
    42,
    `/${'a'.repeat(600)}`,
  ])('when %p could leave the site or is malformed, then / is used', (value) => {
    expect(safeReturnTo(value, base)).toBe('/');
  });
});
