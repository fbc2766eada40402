/**
 * The command line's progress bar: cli-progress on stderr, never stdout (stdout may carry the result). On a
 * stream that is not a terminal cli-progress draws nothing (its noTTYOutput default), so logs and pipes get
 * no carriage-return frames; the bar clears itself when it stops, leaving stderr for messages.
 *
 * @module
 */
import cliProgress from 'cli-progress';
import type { RunProgress } from './progress.js';

/** A progress sink drawing a bar on `stream` (stderr). */
export function progressBar(stream: NodeJS.WriteStream): RunProgress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'pathkernel {bar} {value}/{total} {unit} | {duration_formatted} elapsed, eta {eta_formatted}',
      // The run is synchronous, so Ctrl-C ends the process before any handler could show a hidden cursor again.
      hideCursor: false,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (total, unit) => bar.start(total, 0, { unit }),
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}
