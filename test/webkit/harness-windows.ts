import { Script } from 'node:vm';
import type { Session } from './webdriver.js';

/** What a function run in the page settled with; errors carry their name, message and stack. */
type PageResult = { ok: true; value: unknown } | { ok: false; error: string };

/** A function's source, sent to the page; it must not use anything from the module it was written in. */
function pageSource(fn: (...args: never[]) => unknown): string {
  const source = fn.toString();
  try {
    // Compiled, not run: a method shorthand (`f() {}`) is not an expression; say so here, not as a page syntax error.
    new Script(`(${source});`);
  } catch (error) {
    throw new TypeError(`a page function must be an arrow or function expression, got: ${source.slice(0, 80)}`, {
      cause: error,
    });
  }
  return source;
}

// Runs in the page as the body of the function WebDriver builds; `describe` turns a
// rejection into text that crosses the wire (an Error's fields do not).
const DESCRIBE_ERROR = `const describe = (error) => error instanceof Error
  ? error.name + ': ' + error.message + (error.stack ? '\\n' + error.stack : '')
  : String(error);`;

function unwrap(result: unknown): unknown {
  const settled = result as PageResult;
  if (settled.ok) return settled.value;
  throw new Error(`in the page: ${settled.error}`);
}

/** One window of the session, on a harness page. */
export interface HarnessWindow {
  readonly handle: string;
  /**
   * Runs `fn` in this window and resolves with its (JSON) result; a throw or
   * rejection in the page rejects here. `fn` is sent as source text, as with
   * Playwright's `page.evaluate`: it may use page globals (`window.otb`) and its
   * arguments, nothing imported.
   */
  evaluate<Args extends unknown[], Result>(
    fn: (...args: Args) => Result | Promise<Result>,
    ...args: Args
  ): Promise<Awaited<Result>>;
  /**
   * Starts `fn` in this window without waiting for it, so work in several
   * windows can overlap (WebDriver runs one command at a time); `result()`
   * waits for it.
   */
  start<Args extends unknown[], Result>(
    fn: (...args: Args) => Result | Promise<Result>,
    ...args: Args
  ): Promise<{ result(): Promise<Awaited<Result>> }>;
  /** Opens `path` of the harness origin here and waits until the page has set up `window.otb`. */
  goto(path: string): Promise<void>;
}

const PAGE_READY_TIMEOUT_MS = 20_000;

/**
 * The windows of one WebDriver session, all on the harness origin (one origin,
 * so they share IndexedDB, locks and channels like tabs of one site). Commands
 * are queued: each one switches to its window first, and two interleaved
 * commands must not switch under each other.
 */
export class HarnessWindows {
  private queue: Promise<unknown> = Promise.resolve();
  private currentHandle: string;
  private readonly extra: string[] = [];
  private jobCounter = 0;
  readonly main: HarnessWindow;

  private constructor(
    private readonly session: Session,
    readonly origin: string,
    mainHandle: string,
  ) {
    this.currentHandle = mainHandle;
    this.main = this.window(mainHandle);
  }

  static async open(session: Session, origin: string, path = '/'): Promise<HarnessWindows> {
    const windows = new HarnessWindows(session, origin, await session.currentWindow());
    await windows.main.goto(path);
    return windows;
  }

  /** A new window of the same session on `path`; closed by `closeExtraWindows`. */
  async openWindow(path = '/'): Promise<HarnessWindow> {
    const handle = await this.serial(() => this.session.newWindow());
    this.extra.push(handle);
    const opened = this.window(handle);
    await opened.goto(path);
    return opened;
  }

  /** Closes the windows a case opened, so the next case starts with the main window alone. */
  async closeExtraWindows(): Promise<void> {
    while (this.extra.length > 0) {
      const handle = this.extra.pop()!;
      await this.serial(async () => {
        await this.select(handle);
        await this.session.closeWindow();
      });
    }
    await this.serial(() => this.select(this.main.handle));
  }

  private serial<T>(step: () => Promise<T>): Promise<T> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async select(handle: string): Promise<void> {
    if (this.currentHandle === handle) return;
    await this.session.switchToWindow(handle);
    this.currentHandle = handle;
  }

  private window(handle: string): HarnessWindow {
    const inWindow = <T>(step: () => Promise<T>) =>
      this.serial(async () => {
        await this.select(handle);
        return step();
      });
    const run = (script: string, args: unknown[]) => inWindow(() => this.session.executeAsync(script, args));
    return {
      handle,
      evaluate: async (fn, ...args) =>
        unwrap(
          await run(
            `${DESCRIBE_ERROR}
            const done = arguments[arguments.length - 1];
            const args = Array.prototype.slice.call(arguments, 0, -1);
            Promise.resolve().then(() => (${pageSource(fn)})(...args)).then(
              (value) => done({ ok: true, value: value === undefined ? null : value }),
              (error) => done({ ok: false, error: describe(error) }));`,
            args,
          ),
        ) as never,
      start: async (fn, ...args) => {
        const job = `job-${++this.jobCounter}`;
        await inWindow(() =>
          this.session.execute(
            `${DESCRIBE_ERROR}
            const jobs = (window.__webkitRunnerJobs = window.__webkitRunnerJobs || {});
            const args = Array.prototype.slice.call(arguments, 1);
            jobs[arguments[0]] = Promise.resolve().then(() => (${pageSource(fn)})(...args)).then(
              (value) => ({ ok: true, value: value === undefined ? null : value }),
              (error) => ({ ok: false, error: describe(error) }));`,
            [job, ...args],
          ),
        );
        return {
          result: async () =>
            unwrap(
              await run(
                `const done = arguments[arguments.length - 1];
                const jobs = window.__webkitRunnerJobs || {};
                const job = jobs[arguments[0]];
                if (!job) done({ ok: false, error: 'job ' + arguments[0] + ' is gone: the page was reloaded' });
                else job.then((settled) => { delete jobs[arguments[0]]; done(settled); });`,
                [job],
              ),
            ) as never,
        };
      },
      goto: (path) =>
        inWindow(async () => {
          await this.session.navigate(new URL(path, this.origin).href);
          const deadline = Date.now() + PAGE_READY_TIMEOUT_MS;
          // The harness is a module script; it may still be loading when navigation returns.
          while (!(await this.session.execute('return window.otb?.ready === true;', []))) {
            if (Date.now() > deadline)
              throw new Error(`${path}: window.otb not ready after ${PAGE_READY_TIMEOUT_MS} ms`);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }),
    };
  }
}
