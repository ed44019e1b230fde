/**
 * The terminal's size asked of the terminal now. Node's `getWindowSize()` only returns the size
 * it cached when it last handled the resize signal, and that signal can be handled after output
 * that arrived in the same instant: a message painted right after the window shrank would be
 * laid out for the old width and leave stale rows behind. A TTY stream's handle asks the
 * terminal itself (TIOCGWINSZ) on every call; any other output (tests, pipes) answers with its
 * own `getWindowSize()`, if it has one.
 */
export function currentWindowSize(output: {
  getWindowSize?(): [number, number];
}): [number, number] | undefined {
  const handle = (output as { _handle?: { getWindowSize?(size: number[]): number } })._handle;
  const size = [0, 0];
  // The handle's method returns an error code: 0 when it filled `size`.
  if (typeof handle?.getWindowSize === 'function' && handle.getWindowSize(size) === 0)
    return [size[0]!, size[1]!];
  return output.getWindowSize?.();
}
