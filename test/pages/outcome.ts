export interface CaseOutcome {
  ok: boolean;
  error?: string;
}

/** Runs a case and turns a failure into a message that survives postMessage and page.evaluate. */
export async function outcome(run: () => Promise<void>): Promise<CaseOutcome> {
  try {
    await run();
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      error: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error),
    };
  }
}
