import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * Asks a question and reads one line. On a terminal the typed characters are not echoed; from a
 * pipe the line is read as it is, so scripts and tests can drive the prompt.
 */
export function askSecret(
  question: string,
  input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
  output: NodeJS.WriteStream = process.stdout,
): Promise<string | undefined> {
  let muted = false;
  const sink = new Writable({
    write(chunk, encoding, callback) {
      if (!muted) output.write(chunk, encoding);
      callback();
    },
  });
  const rl: Interface = createInterface({ input, output: sink, terminal: input.isTTY === true });
  return new Promise((resolve) => {
    let answered = false;
    rl.question(question, (answer) => {
      answered = true;
      if (input.isTTY) output.write('\n');
      rl.close();
      resolve(answer);
    });
    muted = input.isTTY === true;
    rl.on('close', () => {
      if (!answered) resolve(undefined);
    });
  });
}
