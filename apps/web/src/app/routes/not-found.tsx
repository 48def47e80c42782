import { Link } from 'react-router';

export function Component() {
  return (
    <section aria-labelledby="not-found-title">
      <h2 id="not-found-title">Page not found</h2>
      <p>There is nothing at this address.</p>
      <Link className="btn btn-secondary" to="/">
        Go to your dashboard
      </Link>
    </section>
  );
}
