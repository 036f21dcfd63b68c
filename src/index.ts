// The public API of sagachart. Nothing else is imported by users.
export { defineSaga } from './definition/defineSaga.js';
export { step } from './definition/step.js';
export { awaitEvent } from './definition/awaitEvent.js';
export { parallel } from './definition/parallel.js';
export { stepsFor } from './definition/stepsFor.js';
export { remote } from './remote/remote.js';
export { defineChoreography } from './choreography/defineChoreography.js';
export { compileChoreography, CHOREOGRAPHY_TIMEOUT } from './choreography/compileChoreography.js';
export { commandMessageId } from './remote/RemoteCommand.js';
export { expectedNext } from './choreography/expectedNext.js';
export { UnknownChoreographyError, ChoreographyInstanceNotFoundError } from './choreography/choreographyErrors.js';
export {
  SagaError,
  SagaDefinitionError,
  SagaInputError,
  UnknownSagaError,
  ExecutionNotFoundError,
  InvalidOperationError,
  DefinitionMismatchError,
  StoreError,
  LeaseLostError,
  PermanentError,
  StepTimeoutError,
} from './definition/errors.js';
export { DEFAULT_STEP_RETRY, DEFAULT_PERSISTENT_RETRY, backoffDelay } from './definition/retryPolicy.js';
export { compile } from './compile/compile.js';
export { SagaEngine } from './runtime/SagaEngine.js';
export { memoryStore } from './store/memoryStore.js';
export { JOURNAL_ENTRY_TYPES } from './events/JournalEntry.js';
export { EXECUTION_STATUSES } from './store/SagaStore.js';

export type {
  AnySagaDefinition,
  AwaitEventDefinition,
  AwaitEventOptions,
  CompensationContext,
  CompensationReason,
  ExecutionId,
  InputFrom,
  ParallelDefinition,
  ResultsFrom,
  RetryPolicy,
  SagaDefinition,
  SagaOptions,
  SagaStep,
  StepContext,
  StepDefinition,
  StepOptions,
} from './definition/types.js';
export type { RemoteCall, RemotePayload, RemoteStepFunction } from './remote/remote.js';
export type { RemoteCommand, RemoteFailure, RemoteReply } from './remote/RemoteCommand.js';
export type { RemoteStepsPort } from './runtime/RemoteSteps.js';
export type {
  ChoreographyDefinition,
  ChoreographyEvent,
  ChoreographyOptions,
  ChoreographyStage,
} from './choreography/defineChoreography.js';
export type { ChoreographyContext, ChoreographyFlag } from './choreography/compileChoreography.js';
export type {
  ChoreographyCounts,
  ChoreographyEventRecord,
  ChoreographyInstance,
  ChoreographyInstanceDetail,
  ChoreographyInstancePage,
  ChoreographyInstanceQuery,
  ChoreographyStatus,
} from './choreography/ChoreographyInstance.js';
export type { OutboxMessage } from './store/OutboxMessage.js';
export type { InputIssue, SagaErrorContext } from './definition/errors.js';
export type { ErrorRecord, FailurePoint, SagaContext, SagaMachineInput } from './compile/sagaContext.js';
export type { ExecuteResult, RecoveryReport, SagaEngineOptions } from './runtime/SagaEngine.js';
export type { ExecuteOptions } from './runtime/executeOptions.js';
export type { ExecutionView } from './runtime/ExecutionView.js';
export type { PassivationOptions } from './runtime/passivationOptions.js';
export type { ExternalEvent } from './runtime/externalEvent.js';
export type { JournalEntry, JournalEntryType, JournalRecord } from './events/JournalEntry.js';
export type { SagaLifecycleEvent, SagaLifecycleListener } from './events/SagaLifecycleEvent.js';
export type {
  CommandBody,
  CommandOutcome,
  CommandRefusal,
  InboxCommand,
  SettledCommand,
} from './store/InboxCommand.js';
export type {
  ClaimedExecution,
  ClaimResult,
  CommitResult,
  EngineInfo,
  ExecutionStatus,
  ExecutionWrite,
  FeedEntry,
  ListPage,
  ListQuery,
  OwnershipListener,
  OwnershipStats,
  SagaStore,
  StatusCount,
  StoredExecution,
  StoreOwnership,
} from './store/SagaStore.js';
