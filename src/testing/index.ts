// The `sagachart/testing` entry: model-based path testing of sagas.
export { sagaPaths } from './sagaPaths.js';
export { runSagaPath } from './runSagaPath.js';
export { SagaPathViolation } from './SagaPathViolation.js';

export type { SagaPathsOptions } from './sagaPaths.js';
export type { RunSagaPathOptions, SagaPathReport } from './runSagaPath.js';
export type { SagaPath, StepFate, WaitFate, CompensationFate } from './SagaPath.js';
export type { EffectCall } from './instrumentSaga.js';
