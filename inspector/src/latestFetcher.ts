/**
 * Fetches again whenever asked, never loses a request: one
 * that comes while a fetch is on the way is served by one more fetch after it.
 * (Dropping those left the Results panel stale after a Send, issue #12.)
 * Never two fetches at once: a burst of asks costs at most two fetches.
 */
export function latestFetcher<T>(fetch: () => Promise<T>, onFresh: (value: T) => void): () => void {
  let running = false;
  let again = false;
  const loop = async () => {
    running = true;
    try {
      do {
        again = false;
        try {
          onFresh(await fetch());
        } catch {
          // The stream keeps running; the next entry asks again.
        }
      } while (again);
    } finally {
      running = false;
    }
  };
  return () => {
    if (running) again = true;
    else void loop();
  };
}
