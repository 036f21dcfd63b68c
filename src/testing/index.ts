// The `sagachart/testing` entry: model-based path testing of sagas.
export { sagaPaths } from './sagaPaths.js';
export { runSagaPath } from './runSagaPath.js';
export { SagaPathViolation } from './SagaPathViolation.js';
export { SagaDataError } from './SagaDataError.js';

export type { SagaPathsOptions } from './sagaPaths.js';
export type { RunSagaPathOptions, SagaPathReport } from './runSagaPath.js';
export type { SagaPath, SagaPathKind, StepFate, WaitFate, CompensationFate } from './SagaPath.js';
export type { SagaPathViolationKind, SagaPathViolationDetails } from './SagaPathViolation.js';
export type { EffectCall } from './instrumentSaga.js';
export type { RemoteStandIns } from './remoteStandIns.js';
