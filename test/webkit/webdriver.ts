/**
 * The few W3C WebDriver classic endpoints the WebKit run needs, over fetch.
 * About a hundred lines against the spec beat a client package here: webdriverio
 * and selenium-webdriver bring dozens of dependencies for the same six calls.
 * https://www.w3.org/TR/webdriver2/
 */

/** An error the driver answered with; `error` is the spec's code, e.g. 'script timeout'. */
export class WebDriverError extends Error {
  constructor(
    readonly error: string,
    message: string,
  ) {
    super(`${error}: ${message}`);
    this.name = 'WebDriverError';
  }
}

/**
 * The driver did not answer (it died, or a call outlived its deadline). Unlike a
 * WebDriverError this means the session can no longer be trusted.
 */
export class DriverLostError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'DriverLostError';
  }
}

// Beyond the script timeout the driver enforces itself, so a hung driver is told
// apart from a slow script.
const TRANSPORT_MARGIN_MS = 15_000;

export interface SessionInfo {
  sessionId: string;
  capabilities: { browserName?: string; browserVersion?: string; [key: string]: unknown };
}

async function command(
  url: string,
  method: 'GET' | 'POST' | 'DELETE',
  body: unknown,
  deadlineMs: number,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(deadlineMs),
    });
  } catch (error) {
    throw new DriverLostError(`${method} ${url} got no answer: ${String(error)}`, { cause: error });
  }
  const text = await response.text();
  let parsed: { value?: unknown };
  try {
    parsed = JSON.parse(text) as { value?: unknown };
  } catch (error) {
    throw new DriverLostError(`${method} ${url} answered ${response.status} with no JSON: ${text.slice(0, 200)}`, {
      cause: error,
    });
  }
  if (!response.ok) {
    const value = (parsed.value ?? {}) as { error?: string; message?: string };
    throw new WebDriverError(value.error ?? `HTTP ${response.status}`, value.message ?? text.slice(0, 200));
  }
  return parsed.value;
}

/** Asks the driver at `driverUrl` for a new session. */
export async function newSession(driverUrl: string, capabilities: unknown, deadlineMs: number): Promise<Session> {
  const info = (await command(`${driverUrl}/session`, 'POST', { capabilities }, deadlineMs)) as SessionInfo;
  return new Session(driverUrl, info);
}

/** One WebDriver session. Calls act on the current window, as the protocol does. */
export class Session {
  private scriptTimeoutMs = 30_000;

  constructor(
    private readonly driverUrl: string,
    readonly info: SessionInfo,
  ) {}

  private call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    const url = `${this.driverUrl}/session/${this.info.sessionId}${path}`;
    return command(url, method, body, this.scriptTimeoutMs + TRANSPORT_MARGIN_MS);
  }

  async setScriptTimeout(ms: number): Promise<void> {
    await this.call('POST', '/timeouts', { script: ms });
    this.scriptTimeoutMs = ms;
  }

  async navigate(url: string): Promise<void> {
    await this.call('POST', '/url', { url });
  }

  /** Runs `script` as a function body; it ends by calling its last argument. */
  executeAsync(script: string, args: unknown[]): Promise<unknown> {
    return this.call('POST', '/execute/async', { script, args });
  }

  execute(script: string, args: unknown[]): Promise<unknown> {
    return this.call('POST', '/execute/sync', { script, args });
  }

  async currentWindow(): Promise<string> {
    return (await this.call('GET', '/window')) as string;
  }

  /** Opens a window and returns its handle; the current window does not change. */
  async newWindow(): Promise<string> {
    return ((await this.call('POST', '/window/new', { type: 'window' })) as { handle: string }).handle;
  }

  async switchToWindow(handle: string): Promise<void> {
    await this.call('POST', '/window', { handle });
  }

  /** Closes the current window. */
  async closeWindow(): Promise<void> {
    await this.call('DELETE', '/window');
  }

  async delete(): Promise<void> {
    await this.call('DELETE', '');
  }
}
