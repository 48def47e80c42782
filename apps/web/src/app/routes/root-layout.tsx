import { Outlet } from 'react-router';
import { env } from '../../config/env';
import { useMe } from '../../features/auth/api/me';
import { UserMenu } from '../../features/auth/components/user-menu';

export function RootLayout() {
  const me = useMe();
  return (
    <>
      <title>{env.appName}</title>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <h1 className="brand">{env.appName}</h1>
        {me.data ? <UserMenu me={me.data} /> : null}
      </header>
      <main id="main" className="page" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
