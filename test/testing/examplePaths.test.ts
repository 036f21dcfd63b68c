import { describe, it } from 'vitest';
import { runSagaPath, sagaPaths } from '../../src/testing/index.js';
import { examplesUnderTest } from '../fixtures/exampleSagas.js';

for (const { saga, options } of examplesUnderTest()) {
  describe(`${saga.name}: every path`, () => {
    describe.each(sagaPaths(saga))('$name', (path) => {
      it('should keep the saga invariants', async () => {
        await runSagaPath(saga, path, options);
      });
      it('should keep them across a crash and restore after every step', async () => {
        await runSagaPath(saga, path, { ...options, crashAndRestore: true });
      });
    });
  });
}
