import type { QueryClient } from '@tanstack/react-query';
import { render, type RenderResult } from '@testing-library/react';
import userEvent, { type UserEvent } from '@testing-library/user-event';
import type { ReactElement } from 'react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { AppProvider } from '../app/provider';
import { routes } from '../app/routes';
import { createQueryClient } from '../lib/query-client';

export function testQueryClient(): QueryClient {
  return createQueryClient({ retryDelay: () => 1 });
}

/** The whole app, as the browser gets it, at a given address. */
export interface Rendered extends RenderResult {
  user: UserEvent;
  queryClient: QueryClient;
}

export function renderApp(path = '/'): Rendered & { router: ReturnType<typeof createMemoryRouter> } {
  const queryClient = testQueryClient();
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const user = userEvent.setup();
  const view = render(
    <AppProvider queryClient={queryClient}>
      <RouterProvider router={router} />
    </AppProvider>,
  );
  return { ...view, user, queryClient, router };
}

export function renderWithClient(ui: ReactElement): Rendered {
  const queryClient = testQueryClient();
  const user = userEvent.setup();
  const view = render(<AppProvider queryClient={queryClient}>{ui}</AppProvider>);
  return { ...view, user, queryClient };
}
