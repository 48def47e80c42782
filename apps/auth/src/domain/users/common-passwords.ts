// The common-password list (ASVS 5.0 6.2.4: at least the top 3,000), as data.
// Source: the passwords dictionary of @zxcvbn-ts/language-common (MIT,
// maintained with zxcvbn-ts): the ranked most common passwords of public breach
// corpora, about 49,000 entries. Those lists are dominated by short passwords, so
// long-common-passwords.json adds the long forms people type to clear a length
// minimum (doubled words, keyboard walks, phrases, suffixed digits) that the
// source lacks.
// Built once, when the module loads, into a Set: one constant-time lookup per
// check. Entries are kept as given and folded (lower-cased, without spaces, dots,
// dashes and underscores), the form password-policy.ts looks up.
import { dictionary } from '@zxcvbn-ts/language-common';
import LONG_COMMON_PASSWORDS from './long-common-passwords.json';

export function foldPassword(value: string): string {
  return value.toLowerCase().replace(/[\s_\-.]+/gu, '');
}

export function buildCommonPasswordSet(...lists: readonly (readonly string[])[]): ReadonlySet<string> {
  const set = new Set<string>();
  for (const list of lists) {
    for (const entry of list) {
      const trimmed = entry.trim();
      if (trimmed.length === 0) continue;
      set.add(trimmed.toLowerCase());
      set.add(foldPassword(trimmed));
    }
  }
  return set;
}

export const COMMON_PASSWORDS: ReadonlySet<string> = buildCommonPasswordSet(dictionary['passwords-common'], LONG_COMMON_PASSWORDS);
