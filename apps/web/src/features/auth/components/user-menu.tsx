import type { MeResponse } from '@flotilla/contracts';
import { Button } from '../../../components/ui/button';
import { paths } from '../../../config/constants';
import { useSignOut } from '../api/me';

export function UserMenu({ me }: { me: MeResponse }) {
  const signOut = useSignOut();
  return (
    <div className="user-menu">
      <p className="user-identity">
        <span className="user-name">{me.user.displayName}</span>
        <span className="user-email">{me.user.email}</span>
      </p>
      <a className="user-menu-link" href={paths.changePassword}>
        Change password
      </a>
      <Button variant="secondary" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
        {signOut.isPending ? 'Signing out…' : 'Sign out'}
      </Button>
      {signOut.isError ? (
        <p className="field-error" role="alert">
          Signing out failed. Please try again.
        </p>
      ) : null}
    </div>
  );
}
