/**
 * Prompt release of spent Buffer memory on threads that move a lot of data but allocate little on their own
 * JS heap (the publisher's main thread: gzip output, upload reads; the reader threads: SQLite blobs).
 *
 * A Buffer's bytes live outside V8's heap and are freed only when a collection finds the Buffer dead. V8 runs
 * one when the JS heap fills, or when outside memory grew by about 64 MB since the last one: a thread that
 * passes gigabytes through short-lived Buffers while allocating little else therefore carries up to 64 MB of
 * dead ones, which alone breaks the 200 MB memory target of a publication. A young-generation collection every
 * few MB of such data frees them at once; with a small live heap it costs a fraction of a millisecond.
 *
 * V8 exposes no collection to JavaScript without `--expose-gc`; the flag is set at run time and the function
 * taken from a fresh context, where V8 installs it (the reader threads do the same in their own source).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options: { type: 'minor' | 'major' }) => void;

let collect: Collect | undefined;

function collector(): Collect {
  if (collect === undefined) {
    const exposed = (globalThis as { gc?: unknown }).gc;
    if (typeof exposed === 'function') collect = exposed as Collect;
    else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as Collect;
    }
  }
  return collect;
}

/** Counts bytes passed through short-lived Buffers and collects the young generation every `everyBytes`. */
export class SpentBuffers {
  private spent = 0;

  constructor(private readonly everyBytes = 16 * 1024 * 1024) {}

  add(bytes: number): void {
    this.spent += bytes;
    if (this.spent >= this.everyBytes) {
      this.spent = 0;
      collector()({ type: 'minor' });
    }
  }
}
