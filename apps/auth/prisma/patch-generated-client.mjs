// Works around prisma/orm#29549 (open): with TypeScript 6 and `composite`, the
// generated DbNull/JsonNull/AnyNull constants fail declaration emit (TS4094)
// because their class carries a native #private brand. Annotating them `object`
// is the upstream fix (prisma/orm#29665). Run after every `prisma generate`.
import { readFileSync, writeFileSync } from 'node:fs';

const files = ['src/generated/prisma/internal/prismaNamespace.ts', 'src/generated/prisma/internal/prismaNamespaceBrowser.ts'];
for (const file of files) {
  const source = readFileSync(file, 'utf8');
  writeFileSync(file, source.replace(/^export const (DbNull|JsonNull|AnyNull) = /gm, 'export const $1: object = '));
}
