/** Types of `web.mjs`, for TypeScript callers such as test/e2e/spa.test.ts. */

export declare const WEB_ROOT: string;
export declare const WEB_DIST: string;

/** Whether web/dist/ is missing or older than any file of web/ or generated/web/. */
export declare function webNeedsBuild(): boolean;
/** Builds the web client (`vite build web`) when stale; returns whether it built. Throws a `StackError` when the build fails. */
export declare function buildWebIfNeeded(options?: { outputFd?: 1 | 2 }): boolean;

export interface WebServer {
  /** Where the app answers, e.g. `http://127.0.0.1:5173`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves web/dist/ on `host:port` (port 0: a free one), with `graphqlUrl` written into index.html. */
export declare function startWebServer(options: { host?: string; port?: number; graphqlUrl: string }): Promise<WebServer>;
