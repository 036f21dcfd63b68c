import { sagaPaths } from '../src/testing/index.js';
import { orderFulfillment } from '../machines/order-fulfillment.js';
import { loanApproval } from '../machines/loan-approval.js';
import { subscriptionSignup } from '../machines/subscription-signup.js';
import { twentySteps } from '../bench/sagas.js';
for (const s of [orderFulfillment, loanApproval, subscriptionSignup, twentySteps]) {
  const ps = sagaPaths(s);
  console.log(s.name, ps.length, ps.filter(p=>p.kind==='operator').length);
  if (s !== twentySteps) for (const p of ps) console.log('  ', p.kind.padEnd(9), p.name);
}
