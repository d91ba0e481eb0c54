/**
 * What a connection knows about its server's $batch, as plain data: kept with the connection's
 * settings (which the UI bundle reads too, so nothing here may need Node).
 */

/** How a request line inside a $batch names its resource (OData allows all three; servers differ). */
export type RequestLineForm = 'relative' | 'absolute-path' | 'absolute-uri';
export const REQUEST_LINE_FORMS: readonly RequestLineForm[] = ['relative', 'absolute-path', 'absolute-uri'];

export interface BatchSettings {
  /** the form the server takes; relative to the service root until a server refuses it */
  requestLines?: RequestLineForm;
  /** operations per $batch, when lower than the profile's limit */
  maxOperations?: number;
  /** until then (ms since epoch) single requests only: this server's $batch answers were unusable */
  singleRequestsUntil?: number;
}

/** How long a connection sends single requests after its $batch answers proved unusable. */
export const SINGLE_REQUESTS_FOR_MS = 6 * 3_600_000;
