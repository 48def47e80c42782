import { html, SafeHtml } from './html';

export interface PageContext {
  /** Route prefix ('' or '/auth'), for links, form actions and assets. */
  readonly prefix: string;
}

export interface FieldErrors {
  readonly [field: string]: string | undefined;
}

function layout(ctx: PageContext, title: string, body: SafeHtml, options: { script?: boolean } = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Flotilla</title>
<link rel="stylesheet" href="${ctx.prefix}/assets/auth.css">
${options.script ? html`<script src="${ctx.prefix}/assets/passkeys.js" defer></script>` : ''}
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`.value;
}

function formError(message: string | undefined) {
  return message ? html`<div class="form-error" role="alert" id="form-error" tabindex="-1">${message}</div>` : '';
}

/** A labelled input whose error and hint are tied to it with aria-describedby. */
function field(options: {
  id: string;
  label: string;
  type: string;
  value?: string;
  autocomplete: string;
  error?: string;
  hint?: string;
  required?: boolean;
  maxlength?: number;
  minlength?: number;
  autofocus?: boolean;
}) {
  const describedBy = [options.hint ? `${options.id}-hint` : '', options.error ? `${options.id}-error` : ''].filter(Boolean).join(' ');
  return html`<label for="${options.id}">${options.label}</label>
<input id="${options.id}" name="${options.id}" type="${options.type}" autocomplete="${options.autocomplete}"${
    options.value !== undefined ? html` value="${options.value}"` : ''
  }${options.required !== false ? html` required` : ''}${options.maxlength ? html` maxlength="${options.maxlength}"` : ''}${
    options.minlength ? html` minlength="${options.minlength}"` : ''
  }${options.autofocus ? html` autofocus` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}${
    options.error ? html` aria-invalid="true"` : ''
  }>
${options.hint ? html`<p class="hint" id="${options.id}-hint">${options.hint}</p>` : ''}${
    options.error ? html`<p class="field-error" id="${options.id}-error">${options.error}</p>` : ''
  }`;
}

/**
 * A button the bundled script (/assets/passkeys.js, no inline script under the CSP)
 * turns into a WebAuthn ceremony: POST <action>/options, the browser's
 * navigator.credentials call, POST <action>. Its outcome is announced in the live region.
 */
function passkeyButton(ctx: PageContext, view: { mode: 'login' | 'second-factor' | 'register'; label: string; csrfToken: string; returnTo?: string }) {
  const action = { login: '/login/passkey', 'second-factor': '/login/otp/passkey', register: '/account/passkeys' }[view.mode];
  return html`<div class="passkey">
<button type="button" data-passkey="${view.mode}" data-action="${ctx.prefix}${action}" data-csrf="${view.csrfToken}"${
    view.returnTo ? html` data-return-to="${view.returnTo}"` : ''
  } aria-describedby="passkey-status">${view.label}</button>
<p class="field-error" id="passkey-status" role="status" aria-live="polite"></p>
</div>`;
}

export function loginPage(
  ctx: PageContext,
  view: { csrfToken: string; email?: string; returnTo?: string; error?: string; fieldErrors?: FieldErrors; notice?: string },
): string {
  const errors = view.fieldErrors ?? {};
  return layout(
    ctx,
    'Sign in',
    html`<h1>Sign in</h1>
${formError(view.error)}${view.notice ? html`<p role="status">${view.notice}</p>` : ''}
<form method="post" action="${ctx.prefix}/login" novalidate>
<input type="hidden" name="_csrf" value="${view.csrfToken}">
${view.returnTo ? html`<input type="hidden" name="return_to" value="${view.returnTo}">` : ''}
${field({ id: 'email', label: 'Email', type: 'email', value: view.email, autocomplete: 'username', error: errors.email, maxlength: 254, autofocus: !view.email })}
${field({ id: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', error: errors.password, maxlength: 1024, autofocus: !!view.email })}
<button type="submit">Sign in</button>
</form>
${passkeyButton(ctx, { mode: 'login', label: 'Sign in with a passkey', csrfToken: view.csrfToken, returnTo: view.returnTo })}
<p class="alt"><a href="${ctx.prefix}/password/forgot">Forgot your password?</a></p>
<p class="alt">No account yet? <a href="${ctx.prefix}/register${view.returnTo ? html`?return_to=${encodeURIComponent(view.returnTo)}` : ''}">Create one</a></p>`,
    { script: true },
  );
}

export function registerPage(
  ctx: PageContext,
  view: {
    csrfToken: string;
    email?: string;
    displayName?: string;
    returnTo?: string;
    error?: string;
    fieldErrors?: FieldErrors;
    minPasswordLength: number;
    maxPasswordLength: number;
  },
): string {
  const errors = view.fieldErrors ?? {};
  return layout(
    ctx,
    'Create your account',
    html`<h1>Create your account</h1>
${formError(view.error)}
<form method="post" action="${ctx.prefix}/register" novalidate>
<input type="hidden" name="_csrf" value="${view.csrfToken}">
${view.returnTo ? html`<input type="hidden" name="return_to" value="${view.returnTo}">` : ''}
${field({ id: 'email', label: 'Email', type: 'email', value: view.email, autocomplete: 'email', error: errors.email, maxlength: 254, autofocus: true })}
${field({ id: 'displayName', label: 'Display name', type: 'text', value: view.displayName, autocomplete: 'name', error: errors.displayName, maxlength: 100 })}
${field({
  id: 'password',
  label: 'Password',
  type: 'password',
  autocomplete: 'new-password',
  error: errors.password,
  hint: `At least ${view.minPasswordLength} characters (up to ${view.maxPasswordLength}). A few unrelated words work well; no special characters required.`,
  minlength: view.minPasswordLength,
  maxlength: view.maxPasswordLength,
})}
<button type="submit">Create account</button>
</form>
<p class="alt">Already registered? <a href="${ctx.prefix}/login${view.returnTo ? html`?return_to=${encodeURIComponent(view.returnTo)}` : ''}">Sign in</a></p>`,
  );
}

export interface LogoutTarget {
  readonly clientId: string;
  readonly postLogoutRedirectUri: string;
  readonly state?: string;
}

export function signedInPage(
  ctx: PageContext,
  view: { displayName: string; email: string; csrfToken: string; logoutTarget?: LogoutTarget },
): string {
  const target = view.logoutTarget;
  return layout(
    ctx,
    'Signed in',
    html`<h1>${target ? 'Sign out?' : 'Signed in'}</h1>
<p>You are signed in as <strong>${view.displayName}</strong> (${view.email}).</p>
<form method="post" action="${ctx.prefix}/logout">
<input type="hidden" name="_csrf" value="${view.csrfToken}">
${
  target
    ? html`<input type="hidden" name="client_id" value="${target.clientId}">
<input type="hidden" name="post_logout_redirect_uri" value="${target.postLogoutRedirectUri}">
${target.state !== undefined ? html`<input type="hidden" name="state" value="${target.state}">` : ''}`
    : ''
}
<button type="submit">Sign out</button>
</form>
<p class="alt"><a href="${ctx.prefix}/account/password">Change my password</a></p>
<p class="alt"><a href="${ctx.prefix}/account/totp">Two-factor authentication</a></p>
<p class="alt"><a href="${ctx.prefix}/account/passkeys">Passkeys</a></p>
<p class="alt"><a href="${ctx.prefix}/account/deactivate">Close my account</a></p>`,
  );
}

export function deactivatePage(ctx: PageContext, view: { csrfToken: string; email: string; error?: string; fieldErrors?: FieldErrors }): string {
  const errors = view.fieldErrors ?? {};
  return layout(
    ctx,
    'Close your account',
    html`<h1>Close your account</h1>
${formError(view.error)}
<p>Closing the account signs you out everywhere, revokes every token issued to applications, and freezes your Flotilla account. Enter your password to confirm.</p>
<form method="post" action="${ctx.prefix}/account/deactivate" novalidate>
<input type="hidden" name="_csrf" value="${view.csrfToken}">
<input type="hidden" name="email" value="${view.email}" autocomplete="username">
${field({ id: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', error: errors.password, maxlength: 1024, autofocus: true })}
<button type="submit">Close my account</button>
</form>
<p class="alt"><a href="${ctx.prefix}/">Keep my account</a></p>`,
  );
}

function newPasswordField(view: { error?: string; minPasswordLength: number; maxPasswordLength: number }, autofocus = false) {
  return field({
    id: 'newPassword',
    label: 'New password',
    type: 'password',
    autocomplete: 'new-password',
    error: view.error,
    hint: `At least ${view.minPasswordLength} characters (up to ${view.maxPasswordLength}). A few unrelated words work well; no special characters required.`,
    minlength: view.minPasswordLength,
    maxlength: view.maxPasswordLength,
    autofocus,
  });
}

/** ASVS 5.0 6.2.3: the current and the new password, on one CSRF-protected form. */
export function changePasswordPage(
  ctx: PageContext,
  view: { csrfToken: string; email: string; error?: string; fieldErrors?: FieldErrors; minPasswordLength: number; maxPasswordLength: number },
): string {
  const errors = view.fieldErrors ?? {};
  return layout(
    ctx,
    'Change your password',
    html`<h1>Change your password</h1>
${formError(view.error)}
<p>Changing the password signs you out on every other device and application. This browser stays signed in.</p>
<form method="post" action="${ctx.prefix}/account/password" novalidate>
<input type="hidden" name="_csrf" value="${view.csrfToken}">
<input type="hidden" name="email" value="${view.email}" autocomplete="username">
${field({ id: 'currentPassword', label: 'Current password', type: 'password', autocomplete: 'current-password', error: errors.currentPassword, maxlength: 1024, autofocus: true })}
${newPasswordField({ error: errors.newPassword, minPasswordLength: view.minPasswordLength, maxPasswordLength: view.maxPasswordLength })}
<button type="submit">Change password</button>
</form>
<p class="alt"><a href="${ctx.prefix}/">Back to your account</a></p>`,
  );
}

export function forgotPasswordPage(
  ctx: PageContext,
  view: { csrfToken: string; email?: string; error?: string; fieldErrors?: FieldErrors; sentTo?: string; ttlMinutes: number },
): string {
  const errors = view.fieldErrors ?? {};
  return layout(
    ctx,
    'Reset your password',
    html`<h1>Reset your password</h1>
${formError(view.error)}${
      view.sentTo
        ? html`<p role="status">If an account uses ${view.sentTo}, we have sent it a link to choose a new password. The link works once, for ${view.ttlMinutes} minutes.</p>`
        : html`<p>Enter the email address of your account. We will send it a link to choose a new password.</p>`
    }
<form method="post" action="${ctx.prefix}/password/forgot" novalidate>
<input type="hidden" name="_csrf" value="${view.csrfToken}">
${field({ id: 'email', label: 'Email', type: 'email', value: view.email, autocomplete: 'email', error: errors.email, maxlength: 254, autofocus: !view.sentTo })}
<button type="submit">Send the link</button>
</form>
<p class="alt"><a href="${ctx.prefix}/login">Back to sign in</a></p>`,
  );
}

export function resetPasswordPage(
  ctx: PageContext,
  view: { csrfToken: string; token: string; error?: string; fieldErrors?: FieldErrors; minPasswordLength: number; maxPasswordLength: number },
): string {
  const errors = view.fieldErrors ?? {};
  return layout(
    ctx,
    'Choose a new password',
    html`<h1>Choose a new password</h1>
${formError(view.error)}
<p>Setting a new password signs you out on every device and application.</p>
<form method="post" action="${ctx.prefix}/password/reset" novalidate>
<input type="hidden" name="_csrf" value="${view.csrfToken}">
<input type="hidden" name="token" value="${view.token}">
${newPasswordField({ error: errors.newPassword, minPasswordLength: view.minPasswordLength, maxPasswordLength: view.maxPasswordLength }, true)}
<button type="submit">Set new password</button>
</form>`,
  );
}

/** The second step of sign-in (ASVS 5.0 6.3.3). */
export function otpPage(
  ctx: PageContext,
  view: { csrfToken: string; returnTo?: string; error?: string; fieldErrors?: FieldErrors; passkey?: boolean },
): string {
  const errors = view.fieldErrors ?? {};
  return layout(
    ctx,
    'Two-factor authentication',
    html`<h1>Two-factor authentication</h1>
${formError(view.error)}
<p>Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
<form method="post" action="${ctx.prefix}/login/otp" novalidate>
<input type="hidden" name="_csrf" value="${view.csrfToken}">
${view.returnTo ? html`<input type="hidden" name="return_to" value="${view.returnTo}">` : ''}
${field({ id: 'code', label: 'Code', type: 'text', autocomplete: 'one-time-code', error: errors.code, maxlength: 32, autofocus: true, hint: 'A code works once.' })}
<button type="submit">Verify</button>
</form>
${view.passkey ? passkeyButton(ctx, { mode: 'second-factor', label: 'Use a passkey instead', csrfToken: view.csrfToken, returnTo: view.returnTo }) : ''}
<p class="alt"><a href="${ctx.prefix}/login">Start over</a></p>`,
    { script: view.passkey === true },
  );
}

/**
 * TOTP enrolment: the QR code is inline SVG markup rendered on the server (no
 * script, no data: image), so the strict CSP holds; the secret is shown for typing.
 */
export function totpEnrolPage(
  ctx: PageContext,
  view: { csrfToken: string; secret: string; qrSvg: string; error?: string; fieldErrors?: FieldErrors },
): string {
  const errors = view.fieldErrors ?? {};
  const grouped = view.secret.replace(/(.{4})/g, '$1 ').trim();
  return layout(
    ctx,
    'Set up two-factor authentication',
    html`<h1>Set up two-factor authentication</h1>
${formError(view.error)}
<p>Scan this code with an authenticator app, or type the key below into it. Then enter the 6-digit code it shows.</p>
<figure class="qr" role="img" aria-label="QR code of the authenticator key">${new SafeHtml(view.qrSvg)}</figure>
<p>Key: <code id="totp-secret" data-secret="${view.secret}">${grouped}</code></p>
<form method="post" action="${ctx.prefix}/account/totp" novalidate>
<input type="hidden" name="_csrf" value="${view.csrfToken}">
${field({ id: 'code', label: 'Code from the app', type: 'text', autocomplete: 'one-time-code', error: errors.code, maxlength: 6, autofocus: true })}
<button type="submit">Turn on two-factor authentication</button>
</form>
<p class="alt"><a href="${ctx.prefix}/">Not now</a></p>`,
  );
}

export function recoveryCodesPage(ctx: PageContext, view: { codes: readonly string[] }): string {
  return layout(
    ctx,
    'Two-factor authentication is on',
    html`<h1>Two-factor authentication is on</h1>
<p role="status">From now on, signing in asks for a code from your app.</p>
<p>Keep these recovery codes somewhere safe. Each works once, in place of a code from the app. They are not shown again.</p>
<ul class="codes" aria-label="Recovery codes">${view.codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
<p class="alt"><a href="${ctx.prefix}/">Back to your account</a></p>`,
  );
}

export interface PasskeyView {
  readonly id: string;
  readonly name: string;
  readonly synced: boolean;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** The account's passkeys: add one (a WebAuthn ceremony, by script), remove one (a CSRF-protected form). */
export function passkeysPage(ctx: PageContext, view: { csrfToken: string; passkeys: readonly PasskeyView[]; notice?: string }): string {
  return layout(
    ctx,
    'Passkeys',
    html`<h1>Passkeys</h1>
${view.notice ? html`<p role="status">${view.notice}</p>` : ''}
<p>A passkey signs you in without a password, with your device's screen lock or a security key. It also works as your second factor.</p>
${
  view.passkeys.length === 0
    ? html`<p>You have no passkey yet.</p>`
    : html`<ul class="passkeys" aria-label="Your passkeys">${view.passkeys.map(
        (p) => html`<li><strong>${p.name}</strong> (${p.synced ? 'synced' : 'this device only'}), added ${day(p.createdAt)}${
          p.lastUsedAt ? html`, last used ${day(p.lastUsedAt)}` : ''
        }
<form method="post" action="${ctx.prefix}/account/passkeys/remove">
<input type="hidden" name="_csrf" value="${view.csrfToken}">
<input type="hidden" name="id" value="${p.id}">
<button type="submit" aria-label="Remove ${p.name}">Remove</button>
</form></li>`,
      )}</ul>`
}
<h2>Add a passkey</h2>
<label for="passkey-name">Name of the passkey</label>
<input id="passkey-name" name="passkey-name" type="text" maxlength="100" autocomplete="off" aria-describedby="passkey-name-hint">
<p class="hint" id="passkey-name-hint">Optional, for example "Work laptop".</p>
${passkeyButton(ctx, { mode: 'register', label: 'Add a passkey', csrfToken: view.csrfToken })}
<p class="alt"><a href="${ctx.prefix}/">Back to your account</a></p>`,
    { script: true },
  );
}

export function messagePage(ctx: PageContext, view: { title: string; message: string }): string {
  return layout(ctx, view.title, html`<h1>${view.title}</h1>
<p role="alert">${view.message}</p>`);
}
