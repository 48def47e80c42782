/**
 * Full-page navigation goes through this object so tests can observe it: jsdom
 * does not implement navigation, and sign-in must leave the SPA for the API.
 */
export const browser = {
  assign(url: string): void {
    window.location.assign(url);
  },
  currentPath(): string {
    return window.location.pathname + window.location.search;
  },
};
