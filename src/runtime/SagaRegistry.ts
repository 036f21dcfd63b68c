import type { AnyStateMachine } from 'xstate';
import { compileWithHooks, type TestOnlyCompileOptions } from '../compile/compile.js';
import type { SagaPlan } from '../compile/sagaPlan.js';
import type { EffectHooks } from '../compile/stepActors.js';
import { DefinitionMismatchError, SagaDefinitionError, UnknownSagaError } from '../definition/errors.js';
import type { AnySagaDefinition } from '../definition/types.js';

/** One registered saga version with its compiled machine. */
export interface RegisteredSaga {
  readonly definition: AnySagaDefinition;
  readonly machine: AnyStateMachine;
  readonly plan: SagaPlan;
}

/**
 * The sagas an engine knows, by name and version. Several versions of one saga
 * can stay registered so old executions resume on the version they started with.
 *
 * @internal
 */
export class SagaRegistry {
  private readonly byName = new Map<string, Map<number, RegisteredSaga>>();

  constructor(
    private readonly hooks: EffectHooks,
    private readonly testOnly: TestOnlyCompileOptions = {},
  ) {}

  register(definition: AnySagaDefinition): void {
    if (typeof definition?.hash !== 'string') {
      throw new SagaDefinitionError('Register sagas made with defineSaga()', 'defined-with-defineSaga');
    }
    const versions = this.byName.get(definition.name) ?? new Map<number, RegisteredSaga>();
    const existing = versions.get(definition.version);
    if (existing !== undefined && existing.definition.hash !== definition.hash) {
      throw new SagaDefinitionError(
        `Saga "${definition.name}" version ${definition.version} is registered twice with different shapes`,
        'unique-versions',
      );
    }
    const { machine, plan } = compileWithHooks(definition, this.hooks, this.testOnly);
    versions.set(definition.version, { definition, machine, plan });
    this.byName.set(definition.name, versions);
  }

  /** The newest version, used for new executions. */
  latest(name: string): RegisteredSaga {
    const versions = this.byName.get(name);
    if (versions === undefined) throw new UnknownSagaError(name);
    const newest = Math.max(...versions.keys());
    return versions.get(newest) as RegisteredSaga;
  }

  version(name: string, version: number): RegisteredSaga {
    const found = this.byName.get(name)?.get(version);
    if (found === undefined) throw new UnknownSagaError(name, this.byName.has(name) ? version : undefined);
    return found;
  }

  /** The newest version of every saga. */
  /** The saga a caller names, by name (newest version) or by its definition (that version, same shape). */
  forCall(saga: AnySagaDefinition | string): RegisteredSaga {
    if (typeof saga === 'string') return this.latest(saga);
    if (typeof saga !== 'object' || saga === null || typeof saga.name !== 'string') {
      throw new UnknownSagaError('(not a saga definition)');
    }
    const registered = this.version(saga.name, saga.version);
    if (registered.definition.hash !== saga.hash) {
      throw new DefinitionMismatchError(saga.name, saga.version, registered.definition.hash, saga.hash);
    }
    return registered;
  }

  all(): RegisteredSaga[] {
    return [...this.byName.keys()].map((name) => this.latest(name));
  }
}
