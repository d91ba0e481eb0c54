import type { ExportFile } from '../../core/api.ts';

/** The file's bytes: text as is, a binary file (XLSX) from the base64 it travelled in. */
export function fileBytes(file: ExportFile): BlobPart {
  return file.encoding === 'base64' ? Uint8Array.from(atob(file.body), (c) => c.charCodeAt(0)) : file.body;
}

/** Saves an export under the agent's filename through an object URL (no server round trip). */
export function downloadFile(file: ExportFile, doc: Document = document): void {
  const url = URL.createObjectURL(new Blob([fileBytes(file)], { type: file.contentType }));
  const a = doc.createElement('a');
  a.href = url;
  a.download = file.filename;
  a.rel = 'noopener';
  doc.body.append(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
