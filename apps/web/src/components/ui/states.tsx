import type { ReactNode } from 'react';
import { Button } from './button';

export function Loading({ label }: { label: string }) {
  return (
    <p className="state state-loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

/** An error that the user can do something about: a message and a Retry button. */
export function ErrorState({
  title,
  message,
  onRetry,
  retrying = false,
}: {
  title?: string;
  message: string;
  onRetry?: () => void;
  retrying?: boolean;
}) {
  return (
    <div className="state state-error" role="alert">
      {title ? <p className="state-title">{title}</p> : null}
      <p>{message}</p>
      {onRetry ? (
        <Button variant="secondary" onClick={onRetry} disabled={retrying}>
          {retrying ? 'Retrying…' : 'Retry'}
        </Button>
      ) : null}
    </div>
  );
}
