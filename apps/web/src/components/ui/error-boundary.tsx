import { Component, type ErrorInfo, type ReactNode } from 'react';
import { env } from '../../config/env';
import { ErrorState } from './states';

/** The last line: a rendering bug shows a message and a way out instead of a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('Unhandled rendering error', error, info.componentStack);
  }

  override render() {
    if (this.state.failed) {
      return (
        <main className="page">
          <h1 className="brand">{env.appName}</h1>
          <ErrorState
            title="Something went wrong"
            message="This page hit an unexpected problem. Reloading usually fixes it."
            onRetry={() => window.location.reload()}
          />
        </main>
      );
    }
    return this.props.children;
  }
}
