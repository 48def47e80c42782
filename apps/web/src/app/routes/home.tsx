import { lazy, Suspense } from 'react';
import { useLocation } from 'react-router';
import { ErrorState, Loading } from '../../components/ui/states';
import { useMe } from '../../features/auth/api/me';
import { Landing } from '../../features/auth/components/landing';

// The dashboard (forms, validator, live feed) is its own chunk: signed-out
// visitors and the first paint never download it.
const Dashboard = lazy(() => import('./dashboard'));

export function HomeRoute() {
  const me = useMe();
  const location = useLocation();

  // Data first: a failed background refetch keeps the last answer on screen.
  if (me.data) {
    return (
      <Suspense fallback={<Loading label="Loading your dashboard…" />}>
        <Dashboard />
      </Suspense>
    );
  }
  if (me.data === null) return <Landing returnTo={location.pathname + location.search} />;
  if (me.isError) {
    return (
      <ErrorState
        title="We can't reach Flotilla right now"
        message="The service is not answering. Check your connection, then try again in a moment."
        onRetry={() => void me.refetch()}
        retrying={me.isFetching}
      />
    );
  }
  return <Loading label="Loading…" />;
}
