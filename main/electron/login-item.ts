/**
 * Start at login, from the `startAtLogin` preference: Electron's login item on Windows and
 * macOS; on Linux an XDG autostart entry, which is what desktop sessions read there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { app } from 'electron';

export const AUTOSTART_FILE = 'outbox-agent.desktop';
/** Started at login: straight into the tray, no window. */
export const HIDDEN_FLAG = '--hidden';

export function autostartPath(env: NodeJS.ProcessEnv, home: string): string {
  // The XDG spec ignores a relative XDG_CONFIG_HOME.
  const config = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return path.join(config, 'autostart', AUTOSTART_FILE);
}

/** Quotes one Exec argument as the Desktop Entry spec asks. */
export function quoteExecArg(arg: string): string {
  if (!/[\s"'\\`$<>~|&;*?#()%]/.test(arg) && arg !== '') return arg;
  return `"${arg.replace(/[\\"`$]/g, (c) => `\\${c}`).replace(/%/g, '%%')}"`;
}

export function autostartEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Outbox Agent',
    'Comment=Sends queued Dynamics 365 order updates',
    `Exec=${command.map(quoteExecArg).join(' ')}`,
    'Icon=outbox-agent',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/**
 * What to run at login. An AppImage is started through the file it was launched from (its own
 * mount point changes every run); a development run needs the app folder after the binary.
 */
export function launchCommand(env: NodeJS.ProcessEnv, execPath: string, packaged: boolean, appPath: string): string[] {
  const exe = env.APPIMAGE && path.isAbsolute(env.APPIMAGE) ? env.APPIMAGE : execPath;
  return packaged ? [exe, HIDDEN_FLAG] : [exe, appPath, HIDDEN_FLAG];
}

export function writeLinuxAutostart(enabled: boolean, file: string, command: readonly string[]): void {
  if (!enabled) {
    fs.rmSync(file, { force: true });
    return;
  }
  const text = autostartEntry(command);
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o644 });
  fs.renameSync(tmp, file);
}

export interface LoginItemContext {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
}

export function applyLoginItem(openAtLogin: boolean, ctx: LoginItemContext): void {
  const command = launchCommand(ctx.env, process.execPath, app.isPackaged, app.getAppPath());
  if (ctx.platform === 'linux') {
    writeLinuxAutostart(openAtLogin, autostartPath(ctx.env, ctx.home), command);
    return;
  }
  app.setLoginItemSettings({ openAtLogin, args: command.slice(1) });
}
