/**
 * Child of keychain.test.ts, run inside a private D-Bus session with an unlocked gnome-keyring:
 * stores, reads, replaces and deletes a client secret through KeychainSecretStore and prints
 * what it saw as JSON on stdout.
 */
import { KeychainSecretStore, secretAccount } from '../../core/secrets.ts';

const secret = process.argv[2] ?? '';
const store = new KeychainSecretStore();
const account = secretAccount({ tenant: 'contoso.onmicrosoft.com', clientId: '00000000-0000-0000-0000-00000000c11e', authorityUrl: 'https://login.microsoftonline.com', environmentUrl: 'https://contoso.operations.dynamics.com' });
const before = await store.get(account);
await store.set(account, secret);
const afterSet = await store.get(account);
// A second store object: the secret came from the keychain, not from memory.
const fresh = await new KeychainSecretStore().get(account);
await store.set(account, `${secret}-rotated`);
const rotated = await store.get(account);
await store.delete(account);
const afterDelete = await store.get(account);
process.stdout.write(JSON.stringify({ kind: store.kind, before, afterSet, fresh, rotated, afterDelete }));
