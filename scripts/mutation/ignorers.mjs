// Stryker ignorers (`"ignorers"` in stryker.config.json): mutants that cannot change behaviour,
// left out of the score by a rule here rather than by comments in machines/.
//
// `session-placeholders`: the session machine's `setup({ actors: { … } })` holds placeholder
// actors (checkLockout, verifyCredentials, goOnline, commandsAnswered, goOffline) so the machine
// can be drawn and simulated on its own; the server replaces every one of them
// (`sessionMachine.provide({ actors })` in src/server/session-logic.ts), so a mutant inside them
// never runs in the server. (The model test provides its own too.)
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin';

const isSetupCall = (node) =>
  node?.type === 'CallExpression' &&
  node.callee?.type === 'Identifier' &&
  node.callee.name === 'setup';

const keyName = (property) =>
  property.key?.type === 'Identifier' ? property.key.name : property.key?.value;

/** True if `path` is inside the `actors` property of the object given to `setup(…)`. */
function inSetupActors(path) {
  for (let p = path; p; p = p.parentPath) {
    if (p.node?.type !== 'ObjectProperty' || keyName(p.node) !== 'actors') continue;
    const object = p.parentPath;
    if (object?.node?.type === 'ObjectExpression' && isSetupCall(object.parentPath?.node))
      return true;
  }
  return false;
}

const fileOf = (path) => path.hub?.file?.opts?.filename ?? '';

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'session-placeholders', {
    shouldIgnore(path) {
      if (!fileOf(path).endsWith('session.machine.ts')) return undefined;
      return inSetupActors(path)
        ? 'placeholder actor: the server provides every session actor (session-logic.ts)'
        : undefined;
    },
  }),
];
