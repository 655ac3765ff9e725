// @ts-check

/**
 * Inflates raw DEFLATE data with the browser's own DecompressionStream.
 *
 * @param {Uint8Array<ArrayBuffer>} data
 */
async function inflate(data) {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The files of a zip archive (stored or deflated entries; folders, hidden files and macOS's `__MACOSX` left out),
 * each as a File named by its path inside the archive (`document/a.jpg`). Read in the browser, so a labelled folder
 * can be sent zipped without the gateway unpacking archives. ZIP64 and encrypted archives are refused with a message.
 *
 * @example const files = await unzip(await file.arrayBuffer());
 * @param {ArrayBuffer} buffer
 * @returns {Promise<File[]>}
 */
export async function unzip(buffer) {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--)
    if (view.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  if (end < 0) throw new Error('not a zip archive (no end of central directory)');
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  if (count === 0xffff || at === 0xffffffff)
    throw new Error('ZIP64 archives are not supported; zip fewer or smaller files');
  const decoder = new TextDecoder();
  /** @type {File[]} */
  const files = [];
  for (let n = 0; n < count; n++) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error('the zip central directory is damaged');
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const size = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const skip = nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + skip;
    const parts = name.split('/');
    if (name.endsWith('/') || parts.some((p) => p.startsWith('.') || p === '__MACOSX')) continue;
    if (flags & 1) throw new Error(`'${name}' is encrypted`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const data = bytes.subarray(start, start + size);
    if (method !== 0 && method !== 8) throw new Error(`'${name}' uses compression method ${method}; use deflate`);
    files.push(new File([method === 8 ? await inflate(data) : data], name));
  }
  return files;
}
