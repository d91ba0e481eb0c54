import { DEFAULT_AUTHORITY } from '../../core/api.ts';
import type { Connection } from '../../core/settings.ts';

export interface ConnectionDraft {
  profile: Connection['profile'];
  environmentUrl: string;
  tenant: string;
  clientId: string;
  authorityUrl: string;
}

export { DEFAULT_AUTHORITY };

export function draftFrom(c: Connection | null): ConnectionDraft {
  return {
    profile: c?.profile ?? 'fo',
    environmentUrl: c?.environmentUrl ?? '',
    tenant: c?.tenant ?? '',
    clientId: c?.clientId ?? '',
    authorityUrl: c?.authorityUrl ?? DEFAULT_AUTHORITY,
  };
}

export function isBlank(d: ConnectionDraft): boolean {
  return !d.environmentUrl.trim() && !d.tenant.trim() && !d.clientId.trim();
}

/** Same connection as saved: then saving must not reconnect or move the secret. */
export function sameConnection(d: ConnectionDraft, c: Connection | null): boolean {
  if (!c) return isBlank(d);
  const x = draftFrom(c);
  return (
    d.profile === x.profile &&
    d.environmentUrl.trim() === x.environmentUrl &&
    d.tenant.trim() === x.tenant &&
    d.clientId.trim() === x.clientId &&
    (d.authorityUrl.trim() || DEFAULT_AUTHORITY) === x.authorityUrl
  );
}

/** Keeps the parts of the saved connection the form does not edit (service root, scope). */
export function toConnection(d: ConnectionDraft, saved: Connection | null): Connection {
  return {
    ...(saved ?? {}),
    profile: d.profile,
    environmentUrl: d.environmentUrl.trim(),
    tenant: d.tenant.trim(),
    clientId: d.clientId.trim(),
    authorityUrl: d.authorityUrl.trim() || DEFAULT_AUTHORITY,
  };
}
