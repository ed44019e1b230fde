import { sessionMachine } from '../../machines/session.machine.js';
import { lockoutMachine } from '../../machines/lockout.machine.js';
import { buildTestModel, generatePaths, describePath } from './paths.js';
import { TransitionCoverage } from './coverage.js';
const INV = '0.session.authenticating.verifying';
const ev = [
  { type: 'USERNAME', requestId: 1, username: 'u', accountLocked: false },
  { type: 'USERNAME', requestId: 1, username: 'u', accountLocked: true },
  { type: 'PASSWORD', requestId: 2, password: 'p', udpPort: 9 },
  ...['accepted','wrongPassword','lockedNow','blocked','alreadyActive'].map(v => ({ type: `xstate.done.actor.${INV}`, output: { verdict: v } })),
  { type: `xstate.error.actor.${INV}`, error: 'x' },
  { type: 'xstate.after.loginTimeout.session.authenticating' },
  { type: 'COMMAND', requestId: 3, command: 'activeuser', args: [] },
  { type: 'LOGOUT', requestId: 4 },
  { type: 'DISCONNECTED' },
];
const m = buildTestModel(sessionMachine, { events: ev, limit: 2000, allow: (s, e) => !(s.matches({authenticating:'verifying'}) && e.type.startsWith('xstate.after')) });
const paths = generatePaths(m, { simple: true });
const cov = new TransitionCoverage('session', sessionMachine);
for (const p of paths) { console.log(describePath(sessionMachine, p)); p.steps.forEach((s,i)=> i>0 && cov.record(p.steps[i-1]!.state, s.event)); }
console.log(paths.length); cov.print();
for (const max of [1,3]) {
  const lm = buildTestModel(lockoutMachine, { input: { maxFailures: max }, events: [{type:'FAILED'},{type:'SUCCEEDED'},{type:'xstate.after.blockDuration.lockout.locked'}], limit: 500 });
  const lp = generatePaths(lm, { rounds: 2 });
  const lc = new TransitionCoverage('lockout', lockoutMachine);
  for (const p of lp) { console.log(max, describePath(lockoutMachine, p)); p.steps.forEach((s,i)=> i>0 && lc.record(p.steps[i-1]!.state, s.event)); }
  lc.print();
}
