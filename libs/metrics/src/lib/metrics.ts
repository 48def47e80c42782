export function metrics(): string {
  return 'metrics';
}
