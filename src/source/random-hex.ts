/**
 * Random hex for names nobody else may guess (temp files, tracing instances). `crypto` is required
 * here, on first use, not imported: loading it (and the stream machinery it pulls in) costs ~6 ms,
 * and a diagnosis that writes nothing must not pay for it.
 */
export function randomHex(bytes: number): string {
  return (require('crypto') as typeof import('crypto')).randomBytes(bytes).toString('hex');
}
