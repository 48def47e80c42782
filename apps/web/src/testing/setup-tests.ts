import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { browser } from '../lib/browser';
import { resetSessionState } from '../lib/session';
import { MockEventSource } from './mock-event-source';
import { server } from './server';

// CI shares two cores between builds and tests; the default 1 s makes findBy* flaky there.
configure({ asyncUtilTimeout: 4000 });

beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
});

beforeEach(() => {
  vi.stubGlobal('EventSource', MockEventSource);
  // jsdom cannot navigate; tests assert on where the app tried to go instead.
  vi.spyOn(browser, 'assign').mockImplementation(() => undefined);
});

afterEach(() => {
  cleanup();
  server.resetHandlers();
  MockEventSource.reset();
  resetSessionState();
  window.sessionStorage.clear();
  for (const cookie of document.cookie.split(';')) {
    const name = cookie.split('=')[0]?.trim();
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`;
  }
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

afterAll(() => {
  server.close();
});
