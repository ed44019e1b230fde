// Stryker ignorers (`"ignorers"` in stryker.config.json): mutants that cannot change behaviour,
// left out of the score by a rule here rather than by comments in machines/.
//
// `machine-annotations`: in machines/, the `description` texts of a machine and its states (diagram
// text: `npm run diagrams:check` compares them with diagrams/, they change no behaviour) and
// `setup({ types: {…} })` (type declarations, erased at run time).
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

/** The name of the object property `path` is inside, nearest first, up to the statement. */
function insideProperty(path, name, where = () => true) {
  for (let p = path; p; p = p.parentPath) {
    if (p.node?.type === 'ObjectProperty' && keyName(p.node) === name && where(p)) return true;
    if (p.isStatement?.()) return false;
  }
  return false;
}

const isMachineFile = (path) => /machines\/[^/]+\.machine\.ts$/.test(fileOf(path));

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'machine-annotations', {
    shouldIgnore(path) {
      if (!isMachineFile(path)) return undefined;
      if (insideProperty(path, 'description'))
        return 'diagram text (npm run diagrams:check compares it), not behaviour';
      if (
        insideProperty(
          path,
          'types',
          (p) =>
            p.parentPath?.node?.type === 'ObjectExpression' &&
            isSetupCall(p.parentPath.parentPath?.node),
        )
      )
        return 'type declarations, erased at run time';
      return undefined;
    },
  }),
  declareValuePlugin(PluginKind.Ignore, 'session-placeholders', {
    shouldIgnore(path) {
      if (!fileOf(path).endsWith('session.machine.ts')) return undefined;
      return inSetupActors(path)
        ? 'placeholder actor: the server provides every session actor (session-logic.ts)'
        : undefined;
    },
  }),
];
