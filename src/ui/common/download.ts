// Offers a file to the user as a download (CSV exports, weights JSON, surrogates .npy).

/** Starts the download of `blob` named `name`. */
export function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // the download has started from the click; give the browser a moment before freeing the blob
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
