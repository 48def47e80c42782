import { isRouteErrorResponse, useRouteError } from 'react-router';
import { ErrorState } from '../../components/ui/states';

/** Route-level failures, most often a lazy chunk that failed to download after a deploy. */
export function RouteError() {
  const error = useRouteError();
  const message = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : 'Part of the app failed to load. Check your connection and try again.';
  return <ErrorState title="Something went wrong" message={message} onRetry={() => window.location.reload()} />;
}
