import { escapeHtml, html } from './html';

describe('html templates', () => {
  it('when a value holds markup, then it is escaped', () => {
    expect(html`<p>${'<script>alert("x")</script>'}</p>`.value).toBe('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>');
  });
  it('when a value goes into an attribute, then quotes cannot break out', () => {
    expect(html`<input value="${`" onfocus='x'`}">`.value).toBe('<input value="&quot; onfocus=&#39;x&#39;">');
  });
  it('when a nested template is interpolated, then it is kept as markup', () => {
    expect(html`<div>${html`<b>${'&'}</b>`}</div>`.value).toBe('<div><b>&amp;</b></div>');
  });
  it('when values are arrays, null or false, then they render joined or empty', () => {
    expect(html`${['a', html`<i>b</i>`]}${null}${false}`.value).toBe('a<i>b</i>');
    expect(escapeHtml('`')).toBe('&#96;');
  });
});
