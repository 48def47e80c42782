import type { RouteObject } from 'react-router';
import { HomeRoute } from './routes/home';
import { RootLayout } from './routes/root-layout';
import { RouteError } from './routes/route-error';

export const routes: RouteObject[] = [
  {
    path: '/',
    Component: RootLayout,
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
