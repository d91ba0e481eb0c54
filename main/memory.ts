/**
 * The agent's memory, for every host (the Electron main process, the CLI and its `serve`).
 *
 * V8 sizes the young generation from the machine's memory, and grows it while allocation runs
 * high: on a 24 GB desk PC a long drain grew it to 128 MB, most of the agent's RSS. Kept from
 * growing (it stays at its starting 1–2 MB; V8 still grew it to 8–16 MB on a loaded machine), a
 * drain of a million queued updates stays under 200 MB at a few per cent of the `$batch` rate
 * (`npm run bench`, scale.rss.mb and drain.batch.rate).
 * The limit itself (--max-semi-space-size) can only be given on the command line, which no host
 * of ours controls; the growth factor is read each time the young generation would grow.
 */
import v8 from 'node:v8';

export function keepYoungGenerationSmall(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}
