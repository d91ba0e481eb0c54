// Holds the drain lock of the outbox file given, says so, and waits to be killed (drain-lock.test.ts).
import { acquireDrainLock } from '../../../core/outbox/drain-lock.ts';

acquireDrainLock(process.argv[2]!);
process.stdout.write('locked\n');
// bounded: a test that forgets this process does not leave it behind for long
setTimeout(() => process.exit(0), 60_000);
