import { statSync } from 'node:fs';
import type { AppOptions } from './createApp.js';

/**
 * Refuses options an embedding app got wrong, naming the option, before
 * anything listens: a `staticDir` that is not a folder would otherwise serve no
 * inspector and say nothing, a negative `maxWaitMs` would refuse every wait.
 */
export function checkAppOptions(options: AppOptions): void {
  const whole = (name: string, value: number | undefined, least: number): void => {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= least)) {
      throw new RangeError(`${name} must be a whole number, ${least} or more (got ${String(value)})`);
    }
  };
  whole('maxWaitMs', options.maxWaitMs, 0);
  whole('bodyLimitBytes', options.bodyLimitBytes, 1);
  whole('sseBufferBytes', options.sseBufferBytes, 1);
  if (options.staticDir !== undefined) {
    const isFolder = (() => {
      try {
        return statSync(options.staticDir).isDirectory();
      } catch {
        return false;
      }
    })();
    if (!isFolder) {
      throw new TypeError(
        `staticDir "${options.staticDir}" is not a folder (for the inspector, pass inspectorDir(); it is undefined until npm run build)`,
      );
    }
  }
}
