import type { RouteObject } from 'react-router';
import { Loading } from '../components/ui/states';
import { HomeRoute } from './routes/home';
import { RootLayout } from './routes/root-layout';
import { RouteError } from './routes/route-error';

export const routes: RouteObject[] = [
  {
    path: '/',
    Component: RootLayout,
    // Shown only while a lazy route needed by the first URL downloads.
    HydrateFallback: () => <Loading label="Loading…" />,
    children: [
      {
        errorElement: <RouteError />,
        children: [
          { index: true, Component: HomeRoute },
          { path: '*', lazy: () => import('./routes/not-found') },
        ],
      },
    ],
  },
];
