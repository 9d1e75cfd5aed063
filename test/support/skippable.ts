import * as nodeTest from 'node:test';

/*
 * node:test's `describe`, `it` and hooks, for suites that need something a
 * machine may lack (a Redis to share, a redis-server to start).
 *
 * Node 20 counts a suite skipped with `describe(name, { skip })` as one suite
 * and none of its tests: the run ends with "skipped 0", as if everything had
 * run. Here `describe(name, { skip: reason }, fn)` registers the suite and
 * every test in it, nested suites included, each skipped with `reason`, so the
 * summary counts them all as skipped and prints why; and it registers none of
 * its hooks, which would otherwise run (and connect, and fail) for tests that
 * do not. With `skip: false` these are node:test's own.
 *
 * The suite's body must register its tests synchronously, as node:test's do.
 * These return nothing: node:test tracks its tests itself, and a file awaits none.
 */

type TestFn = (t: nodeTest.TestContext) => void | Promise<void>;
type HookFn = Parameters<typeof nodeTest.before>[0];
type HookOptions = Parameters<typeof nodeTest.before>[1];

/** The reasons of the skipped suites whose bodies are registering tests right now, innermost last. */
const skipping: string[] = [];

const current = (): string | undefined => skipping.at(-1);

export function describe(name: string, fn: () => void): void;
export function describe(name: string, options: { skip?: string | false }, fn: () => void): void;
export function describe(name: string, optionsOrFn: { skip?: string | false } | (() => void), maybeFn?: () => void): void {
  const [options, fn] = typeof optionsOrFn === 'function' ? [{}, optionsOrFn] : [optionsOrFn, maybeFn!];
  const reason = options.skip || current();
  if (!reason) return void nodeTest.describe(name, fn);
  void nodeTest.describe(name, () => {
    skipping.push(reason);
    try {
      const registered: unknown = fn();
      if (registered instanceof Promise) throw new Error(`the body of "${name}" must register its tests synchronously`);
    } finally {
      skipping.pop();
    }
  });
}

export function it(name: string, fn: TestFn): void;
export function it(name: string, options: nodeTest.TestOptions, fn: TestFn): void;
export function it(name: string, optionsOrFn: nodeTest.TestOptions | TestFn, maybeFn?: TestFn): void {
  const [options, fn] = typeof optionsOrFn === 'function' ? [{}, optionsOrFn] : [optionsOrFn, maybeFn!];
  const reason = current();
  void nodeTest.it(name, reason ? { ...options, skip: reason } : options, fn);
}

/** A hook that runs only when its suite is not skipped. */
function hook(register: (fn: HookFn, options?: HookOptions) => void) {
  return (fn: HookFn, options?: HookOptions): void => {
    if (current() === undefined) register(fn, options);
  };
}

export const before = hook(nodeTest.before);
export const after = hook(nodeTest.after);
export const beforeEach = hook(nodeTest.beforeEach);
export const afterEach = hook(nodeTest.afterEach);
