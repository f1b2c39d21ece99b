/** A minimal cookie-keeping, redirect-following HTTP client for driving HTML forms from a test (no JavaScript needed). */
export class FormBrowser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly origin: string) {}

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  /** One request, no redirect followed; cookies kept. */
  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const absolute = new URL(url, this.origin);
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(absolute, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute) || /expires=Thu, 01 Jan 1970/i.test(attribute));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** Follows redirects within the origin; stops at (and returns) the first page, or a redirect elsewhere. */
  async follow(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<{ res: Response; url: string; html: string }> {
    let current = new URL(url, this.origin).href;
    let res = await this.request(current, init);
    for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
      const location = new URL(res.headers.get('location')!, current).href;
      if (!location.startsWith(this.origin)) return { res, url: location, html: '' };
      current = location;
      res = await this.request(current);
    }
    return { res, url: current, html: await res.text() };
  }
}

/** The value of a hidden input in a page. */
export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!match) throw new Error(`no ${name} field in: ${html.slice(0, 500)}`);
  return match[1];
}

/** The action of the form whose URL contains `fragment`. */
export function formAction(html: string, fragment: string): string {
  const match = new RegExp(`action="([^"]*${fragment}[^"]*)"`).exec(html);
  if (!match) throw new Error(`no form for ${fragment} in: ${html.slice(0, 500)}`);
  return match[1];
}
