/**
 * The emulated portals' pages (Okta's end-user catalog, PingOne's end-user UI) show what people
 * typed: justifications, comments, names. `html` escapes every value put into it unless that value
 * is itself `html`, so a page cannot forget to.
 */

export class Html {
  constructor(readonly text: string) {}
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false || value === true) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  return new Html(strings.reduce((out, part, index) => out + render(values[index - 1] as Value) + part));
}

/**
 * No script, nothing fetched: the page is its own HTML and inline style, so even a value that
 * escaped escaping could run nothing.
 */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
};

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; color: #1d1d1f; max-width: 54rem; margin: 1.5rem auto; padding: 0 1rem; }
header p { color: #555; }
article { border: 1px solid #c8c8cc; border-radius: 8px; padding: .25rem 1rem 1rem; margin: 1rem 0; }
article:target, article:has(:target) { border-color: #0b6bcb; box-shadow: 0 0 0 2px #0b6bcb33; }
body:has(article:target, article :target) article:not(:target):not(:has(:target)) { display: none; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { color: #555; }
dd { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
ol, ul { margin: 0; padding-left: 1.25rem; }
time { color: #555; }
`;

/** A whole page: title, banner saying this is the sandbox, and the body. */
export function page(title: string, banner: string, body: Html): string {
  return `<!doctype html>\n${
    html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${new Html(STYLE)}</style></head>
<body><header><h1>${title}</h1><p>${banner}</p></header><main>${body}</main></body></html>`.text
  }\n`;
}

/** Term and description rows, leaving out those with nothing to say. */
export function details(rows: [string, Value][]): Html {
  const shown = rows.filter(([, value]) => value !== undefined && value !== null && value !== '');
  return html`<dl>${shown.map(([term, value]) => html`<dt>${term}</dt><dd>${value}</dd>`)}</dl>`;
}
