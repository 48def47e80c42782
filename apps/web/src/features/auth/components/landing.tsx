import { registerUrl, signInUrl } from '../../../lib/session';

export function Landing({ returnTo = '/' }: { returnTo?: string }) {
  return (
    <section className="landing" aria-labelledby="landing-title">
      <h2 id="landing-title">Send money to anyone with an email address</h2>
      <p>See your balance, pay people instantly and watch incoming payments arrive as they happen.</p>
      <div className="actions">
        {/* Full-page navigation: sign-in is a redirect through the API to the auth service. */}
        <a className="btn btn-primary" href={signInUrl(returnTo)}>
          Sign in
        </a>
        <a className="btn btn-secondary" href={registerUrl(returnTo)}>
          Create account
        </a>
      </div>
    </section>
  );
}
