/** What the origin serves: the 12-byte body of ANCHOR-BENCH at "/", larger bodies for the body-size modes. */
export const RESPONSES: ReadonlyArray<{ path: string; body: Buffer }> = [
  { path: '/', body: Buffer.from('hello world\n') },
  { path: '/1k', body: Buffer.alloc(1024, 'a') },
  { path: '/64k', body: Buffer.alloc(64 * 1024, 'b') },
  { path: '/1m', body: Buffer.alloc(1024 * 1024, 'c') },
];

/** POSTs go here: the origin reads the body and answers "ok\n". */
export const UPLOAD_PATH = '/upload';
/** Largest upload the origins accept. */
export const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;
