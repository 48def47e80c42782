/** Served at <prefix>/assets/auth.css so the CSP can forbid inline styles. */
export const AUTH_CSS = `
:root { color-scheme: light dark; --accent: #1f5fbf; --error: #b3261e; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; display: flex; min-height: 100vh; align-items: center; justify-content: center; background: Canvas; color: CanvasText; }
main { width: min(26rem, 100% - 2rem); padding: 2rem; border: 1px solid color-mix(in srgb, CanvasText 20%, transparent); border-radius: .75rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
label { display: block; font-weight: 600; margin-top: 1rem; }
input { display: block; width: 100%; font: inherit; padding: .5rem .6rem; margin-top: .25rem; border: 1px solid color-mix(in srgb, CanvasText 45%, transparent); border-radius: .4rem; }
input[aria-invalid="true"] { border-color: var(--error); }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.hint { font-size: .875rem; margin: .25rem 0 0; }
.field-error, .form-error { color: var(--error); font-size: .9rem; margin: .25rem 0 0; }
.form-error { border: 1px solid var(--error); border-radius: .4rem; padding: .5rem .75rem; margin-bottom: 1rem; }
button { margin-top: 1.5rem; width: 100%; font: inherit; font-weight: 600; padding: .6rem; border: 0; border-radius: .4rem; background: var(--accent); color: #fff; cursor: pointer; }
.alt { margin-top: 1rem; text-align: center; }
`;
