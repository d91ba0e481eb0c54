/**
 * Where the desktop app keeps the D365 client secret: the OS keychain, or OUTBOX_CLIENT_SECRET
 * (memory only) on a site without one. Every secret that passes through is handed to the log's
 * redactor first, so not even an error message quoting it can reach the log file.
 */
import { KeychainSecretStore, type SecretStore } from '../../core/secrets.ts';

export interface SecretSource {
  secrets: SecretStore;
  envSecret?: string;
}

/** Tells `remember` about every secret read or written, then behaves exactly like `inner`. */
export function rememberingSecrets(inner: SecretStore, remember: (secret: string) => void): SecretStore {
  return {
    kind: inner.kind,
    async get(account) {
      const secret = await inner.get(account);
      if (secret !== null) remember(secret);
      return secret;
    },
    async set(account, secret) {
      remember(secret);
      await inner.set(account, secret);
    },
    delete: (account) => inner.delete(account),
  };
}

export function secretSource(env: NodeJS.ProcessEnv, remember: (secret: string) => void, keychain: SecretStore = new KeychainSecretStore()): SecretSource {
  const secrets = rememberingSecrets(keychain, remember);
  const fromEnv = env.OUTBOX_CLIENT_SECRET;
  if (fromEnv && fromEnv.trim() !== '') {
    remember(fromEnv);
    return { secrets, envSecret: fromEnv };
  }
  return { secrets };
}
