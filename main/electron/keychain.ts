/**
 * Where the desktop app keeps the D365 client secret: the OS keychain, or OUTBOX_CLIENT_SECRET
 * (memory only) on a site without one. Every secret that passes through is handed to the log's
 * redactor first, so not even an error message quoting it can reach the log file.
 */
import { KeychainSecretStore, secretSourceFrom, type SecretSource, type SecretStore } from '../../core/secrets.ts';

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

/** The one secret source of core (see secretSourceFrom), with the log's redactor told of every secret. */
export function secretSource(env: NodeJS.ProcessEnv, remember: (secret: string) => void, keychain: SecretStore = new KeychainSecretStore()): SecretSource {
  const source = secretSourceFrom(env, () => keychain);
  if (source.envSecret) remember(source.envSecret);
  return { secrets: rememberingSecrets(source.secrets, remember), envSecret: source.envSecret };
}
