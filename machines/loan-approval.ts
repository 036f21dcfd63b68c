import { z } from 'zod';
import { awaitEvent, defineSaga, PermanentError, stepsFor } from '../src/index.js';
import { faultKnobs } from './participants/faults.js';
import { Ledger, stepKeyOf } from './participants/ledger.js';

/** The bank's services: credit bureau, a funds reservation book, the loan ledger and a mailer. */
export function createBank() {
  return {
    creditChecks: new Ledger<{ score: number }>(),
    reservations: new Ledger<{ amount: number }>(),
    loans: new Ledger<{ loanId: string; amount: number }>(),
    letters: new Ledger<{ to: string; text: string }>(),
    schedules: new Ledger<{ loanId: string; installments: number }>(),
  };
}

export type Bank = ReturnType<typeof createBank>;

/** The names `failAt` can make fail: each step's participant call and each compensation's. */
export const loanFaults = faultKnobs([
  'checkCredit',
  'reserveFunds',
  'releaseFunds',
  'disburseFunds',
  'notifyApplicant',
  'scheduleRepayments',
]);

const loanInput = z.object({
  applicationId: z.string().min(1),
  applicant: z.string().min(1),
  amount: z.number().positive().max(1_000_000),
  ...loanFaults.shape,
});

const decision = z.object({ approved: z.boolean(), underwriter: z.string().min(1), note: z.string().optional() });

/** Credit check, a person's decision, then money out: the pivot. After it, only forward. */
export function loanApprovalSaga(bank: Bank) {
  const { step } = stepsFor(loanInput);
  return defineSaga({
    name: 'loan-approval',
    version: 1,
    description: 'Check credit, hold funds, wait for an underwriter, disburse (pivot), then notify and schedule.',
    input: loanInput,
    steps: [
      step('checkCredit', {
        run: ({ input, idempotencyKey, attempt, executionId }) => {
          loanFaults.inject(input, 'checkCredit', { attempt, executionId });
          return bank.creditChecks.apply(idempotencyKey, () => ({
            score: 600 + ((input.applicant.length * 37) % 200),
          }));
        },
        compensate: 'none',
        retry: { maxAttempts: 3, initialDelayMs: 100 },
      }),
      step('reserveFunds', {
        run: ({ input, idempotencyKey, attempt, executionId }) => {
          loanFaults.inject(input, 'reserveFunds', { attempt, executionId });
          return bank.reservations.apply(idempotencyKey, () => ({ amount: input.amount }));
        },
        compensate: ({ input, idempotencyKey, attempt, executionId }) => {
          loanFaults.inject(input, 'releaseFunds', { attempt, executionId });
          bank.reservations.undo(stepKeyOf(idempotencyKey));
        },
      }),
      awaitEvent('underwriterDecision', { event: 'underwriter.decided', schema: decision, timeoutMs: 86_400_000 }),
      step('checkDecision', {
        run: ({ results }) => {
          const made = decision.parse(results['underwriterDecision']);
          if (!made.approved) throw new PermanentError(`Declined by ${made.underwriter}`);
          return { approvedBy: made.underwriter };
        },
        compensate: 'none',
      }),
      step('disburseFunds', {
        pivot: true,
        run: ({ input, idempotencyKey, attempt, executionId }) => {
          loanFaults.inject(input, 'disburseFunds', { attempt, executionId });
          return bank.loans.apply(idempotencyKey, () => ({
            loanId: `loan-${input.applicationId}`,
            amount: input.amount,
          }));
        },
      }),
      step('notifyApplicant', {
        run: ({ input, idempotencyKey, attempt, executionId }) => {
          loanFaults.inject(input, 'notifyApplicant', { attempt, executionId });
          return bank.letters.apply(idempotencyKey, () => ({ to: input.applicant, text: 'Your loan is paid out.' }));
        },
        retry: { maxAttempts: 5, initialDelayMs: 200, backoffFactor: 2 },
      }),
      step('scheduleRepayments', {
        run: ({ input, idempotencyKey, attempt, executionId }) => {
          loanFaults.inject(input, 'scheduleRepayments', { attempt, executionId });
          return bank.schedules.apply(idempotencyKey, () => ({
            loanId: `loan-${input.applicationId}`,
            installments: 12,
          }));
        },
        retry: { maxAttempts: 5, initialDelayMs: 200, backoffFactor: 2 },
      }),
    ],
  });
}

export const bank = createBank();
export const loanApproval = loanApprovalSaga(bank);
export default loanApproval;
