/** One copy of the app per user: a second launch brings the first one's window forward. */
import { app } from 'electron';

/**
 * Returns false when another instance holds the lock: that instance has been told (it gets
 * 'second-instance') and this one must quit without touching the database.
 */
export function claimSingleInstance(onSecondLaunch: (argv: string[]) => void): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', (_event, argv) => onSecondLaunch(argv));
  return true;
}
