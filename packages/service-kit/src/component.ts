/** Anything with a lifecycle: started by main.ts, stopped by the shutdown registry. stop() is idempotent. */
export interface Component {
  start(): Promise<void>;
  stop(): Promise<void>;
}
