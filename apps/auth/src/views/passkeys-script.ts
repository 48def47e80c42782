import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The page side of the passkey buttons (views/pages.ts passkeyButton), run after
 * @simplewebauthn/browser's UMD bundle in the same file. A classic script served
 * from our origin, so the CSP keeps script-src 'self' with no inline code.
 */
const PAGE_SCRIPT = `
(function () {
  'use strict';
  var webauthn = window.SimpleWebAuthnBrowser;
  function post(url, csrf, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.message || 'The passkey could not be used. Try again.');
        return data;
      });
    });
  }
  function start(button) {
    var mode = button.getAttribute('data-passkey');
    var action = button.getAttribute('data-action');
    var csrf = button.getAttribute('data-csrf');
    var returnTo = button.getAttribute('data-return-to') || undefined;
    var status = document.getElementById('passkey-status');
    var name = document.getElementById('passkey-name');
    button.disabled = true;
    status.textContent = 'Waiting for your passkey…';
    post(action + '/options', csrf)
      .then(function (options) {
        return mode === 'register'
          ? webauthn.startRegistration({ optionsJSON: options })
          : webauthn.startAuthentication({ optionsJSON: options });
      })
      .then(function (credential) {
        return post(action, csrf, { response: credential, return_to: returnTo, name: name ? name.value : undefined });
      })
      .then(function (result) {
        status.textContent = 'Done.';
        window.location.assign(result.redirect);
      })
      .catch(function (error) {
        status.textContent = error && error.name === 'NotAllowedError' ? 'The passkey request was cancelled or timed out.' : String(error.message || error);
        button.disabled = false;
      });
  }
  document.querySelectorAll('[data-passkey]').forEach(function (button) {
    if (!webauthn || !webauthn.browserSupportsWebAuthn()) { button.hidden = true; return; }
    button.addEventListener('click', function () { start(button); });
  });
})();
`;

/** @simplewebauthn/browser's own bundle (its package exports only the module entry, so it is found beside it). */
function browserBundle(): string {
  const entry = require.resolve('@simplewebauthn/browser');
  return readFileSync(join(dirname(entry), '..', 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
}

let bundled: string | undefined;

/** Served at <prefix>/assets/passkeys.js: the library and the page script, one file. */
export function passkeysScript(): string {
  bundled ??= `${browserBundle()}\n${PAGE_SCRIPT}`;
  return bundled;
}
