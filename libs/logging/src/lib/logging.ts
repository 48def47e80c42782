export function logging(): string {
  return 'logging';
}
