import { z } from 'zod';
import { defineSaga, stepsFor } from '../src/index.js';
import { faultKnobs, injectFault } from './participants/faults.js';
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

const signupInput = z.object({
  accountId: z.string().min(1),
  email: z.email(),
  plan: z.enum(['starter', 'team', 'enterprise']),
  ...faultKnobs,
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
        run: ({ input, idempotencyKey, attempt }) => {
          injectFault(input, 'createAccount', attempt);
          return saas.accounts.apply(idempotencyKey, () => ({ accountId: input.accountId, email: input.email }));
        },
        compensate: ({ input, idempotencyKey, attempt }) => {
          injectFault(input, 'deleteAccount', attempt);
          saas.accounts.undo(stepKeyOf(idempotencyKey));
        },
      }),
      step('chargeFirstMonth', {
        run: ({ input, idempotencyKey, attempt }) => {
          injectFault(input, 'chargeFirstMonth', attempt);
          return saas.charges.apply(idempotencyKey, () => ({
            chargeId: `ch-${input.accountId}`,
            amount: PRICES[input.plan],
          }));
        },
        compensate: ({ input, idempotencyKey, attempt }) => {
          injectFault(input, 'refundFirstMonth', attempt);
          saas.charges.undo(stepKeyOf(idempotencyKey));
        },
        retry: { maxAttempts: 3, initialDelayMs: 100 },
      }),
      parallel('onboard', [
        step('provisionWorkspace', {
          run: ({ input, idempotencyKey, attempt }) => {
            injectFault(input, 'provisionWorkspace', attempt);
            return saas.workspaces.apply(idempotencyKey, () => ({ workspaceId: `ws-${input.accountId}` }));
          },
          compensate: ({ input, idempotencyKey, attempt }) => {
            injectFault(input, 'deprovisionWorkspace', attempt);
            saas.workspaces.undo(stepKeyOf(idempotencyKey));
          },
          timeoutMs: 30_000,
        }),
        step('sendWelcomeKit', {
          run: ({ input, idempotencyKey, attempt }) => {
            injectFault(input, 'sendWelcomeKit', attempt);
            return saas.mail.apply(idempotencyKey, () => ({ to: input.email, kit: input.plan }));
          },
          // A sent parcel cannot be unsent; say so explicitly.
          compensate: 'none',
          retry: { maxAttempts: 3, initialDelayMs: 100 },
        }),
      ]),
      step('activateSubscription', {
        pivot: true,
        run: ({ input, idempotencyKey, attempt }) => {
          injectFault(input, 'activateSubscription', attempt);
          return saas.subscriptions.apply(idempotencyKey, () => ({ accountId: input.accountId, plan: input.plan }));
        },
      }),
    ],
  });
}

export const saas = createSaas();
export const subscriptionSignup = subscriptionSignupSaga(saas);
export default subscriptionSignup;
