import { z } from 'zod';
import { defineSaga, stepsFor } from '../src/index.js';
import { faultKnobs } from './participants/faults.js';
import { Ledger, stepKeyOf } from './participants/ledger.js';

/** The SaaS's services: accounts, billing, workspaces and a mail room. */
export function createSaas() {
  return {
    accounts: new Ledger<{ accountId: string; email: string }>(),
    charges: new Ledger<{ chargeId: string; amount: number }>(),
    workspaces: new Ledger<{ workspaceId: string }>(),
    mail: new Ledger<{ to: string; kit: string }>(),
    subscriptions: new Ledger<{ accountId: string; plan: string }>(),
  };
}

export type Saas = ReturnType<typeof createSaas>;

const PRICES = { starter: 9, team: 29, enterprise: 99 } as const;

/** The names `failAt` can make fail: each step's participant call and each compensation's. */
export const signupFaults = faultKnobs([
  'createAccount',
  'deleteAccount',
  'chargeFirstMonth',
  'refundFirstMonth',
  'provisionWorkspace',
  'deprovisionWorkspace',
  'sendWelcomeKit',
  'activateSubscription',
]);

const signupInput = z.object({
  accountId: z.string().min(1),
  email: z.email(),
  plan: z.enum(['starter', 'team', 'enterprise']),
  ...signupFaults.shape,
});

/** Account and first payment, then workspace and welcome kit side by side, then activation (pivot). */
export function subscriptionSignupSaga(saas: Saas) {
  const { step, parallel } = stepsFor(signupInput);
  return defineSaga({
    name: 'subscription-signup',
    version: 1,
    description: 'Create the account, charge the first month, provision and welcome in parallel, then activate.',
    input: signupInput,
    steps: [
      step('createAccount', {
        run: ({ input, idempotencyKey, attempt, executionId }) => {
          signupFaults.inject(input, 'createAccount', { attempt, executionId });
          return saas.accounts.apply(idempotencyKey, () => ({ accountId: input.accountId, email: input.email }));
        },
        compensate: ({ input, idempotencyKey, attempt, executionId }) => {
          signupFaults.inject(input, 'deleteAccount', { attempt, executionId });
          saas.accounts.undo(stepKeyOf(idempotencyKey));
        },
      }),
      step('chargeFirstMonth', {
        run: ({ input, idempotencyKey, attempt, executionId }) => {
          signupFaults.inject(input, 'chargeFirstMonth', { attempt, executionId });
          return saas.charges.apply(idempotencyKey, () => ({
            chargeId: `ch-${input.accountId}`,
            amount: PRICES[input.plan],
          }));
        },
        compensate: ({ input, idempotencyKey, attempt, executionId }) => {
          signupFaults.inject(input, 'refundFirstMonth', { attempt, executionId });
          saas.charges.undo(stepKeyOf(idempotencyKey));
        },
        retry: { maxAttempts: 3, initialDelayMs: 100 },
      }),
      parallel('onboard', [
        step('provisionWorkspace', {
          run: ({ input, idempotencyKey, attempt, executionId }) => {
            signupFaults.inject(input, 'provisionWorkspace', { attempt, executionId });
            return saas.workspaces.apply(idempotencyKey, () => ({ workspaceId: `ws-${input.accountId}` }));
          },
          compensate: ({ input, idempotencyKey, attempt, executionId }) => {
            signupFaults.inject(input, 'deprovisionWorkspace', { attempt, executionId });
            saas.workspaces.undo(stepKeyOf(idempotencyKey));
          },
          timeoutMs: 30_000,
        }),
        step('sendWelcomeKit', {
          run: ({ input, idempotencyKey, attempt, executionId }) => {
            signupFaults.inject(input, 'sendWelcomeKit', { attempt, executionId });
            return saas.mail.apply(idempotencyKey, () => ({ to: input.email, kit: input.plan }));
          },
          // A sent parcel cannot be unsent; say so explicitly.
          compensate: 'none',
          retry: { maxAttempts: 3, initialDelayMs: 100 },
        }),
      ]),
      step('activateSubscription', {
        pivot: true,
        run: ({ input, idempotencyKey, attempt, executionId }) => {
          signupFaults.inject(input, 'activateSubscription', { attempt, executionId });
          return saas.subscriptions.apply(idempotencyKey, () => ({ accountId: input.accountId, plan: input.plan }));
        },
      }),
    ],
  });
}

export const saas = createSaas();
export const subscriptionSignup = subscriptionSignupSaga(saas);
export default subscriptionSignup;
