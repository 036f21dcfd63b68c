import type { AnySagaDefinition } from '../definition/types.js';
import type { ExecutionView } from '../runtime/ExecutionView.js';
import type { SagaEngine } from '../runtime/SagaEngine.js';
import { waitingFor, type Waiting, type WaitingSaga } from '../runtime/waitingFor.js';
import { sagaSummary } from './sagaSummary.js';

/** An execution as the API returns it: the view plus what it waits for right now. */
export type ExecutionJson = ExecutionView & { readonly waiting: Waiting[] };

/**
 * Returns a function that adds `waiting` to an execution view, reading the
 * saga's shape from the engine (summaries are cached per definition).
 */
export function withWaiting(engine: SagaEngine): (view: ExecutionView) => ExecutionJson {
  const shapes = new WeakMap<AnySagaDefinition, WaitingSaga>();
  const shapeOf = (view: ExecutionView): WaitingSaga => {
    let definition: AnySagaDefinition;
    try {
      definition = engine.definition(view.saga, view.version);
    } catch {
      // A version no longer registered: its events cannot be named, its state still can.
      return { steps: [] };
    }
    let shape = shapes.get(definition);
    if (shape === undefined) {
      shape = sagaSummary(definition);
      shapes.set(definition, shape);
    }
    return shape;
  };
  return (view) => ({ ...view, waiting: waitingFor(view, shapeOf(view)) });
}
