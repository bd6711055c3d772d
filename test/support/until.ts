/**
 * Waits until `condition` holds, looking again every 20 ms. The bound is a hang guard for a condition that never
 * comes (the error names `what`), not a timing assumption: on a busy machine a condition may take long to come.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what = 'the condition',
  withinMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
