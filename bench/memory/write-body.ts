import type { Socket } from 'node:net';

const CHUNK = 64 * 1024;

/**
 * Writes `bytes` body bytes to `socket` as fast as it takes them: 64 KiB at a time, waiting for 'drain' whenever
 * its buffer is full, so what is held back stays in the kernel and the peer, not here. `written` gets each chunk's
 * size; `done` is called after the last write.
 */
export function writeBody(socket: Socket, bytes: number, written: (bytes: number) => void = () => {}, done: () => void = () => {}): void {
  const chunk = Buffer.alloc(CHUNK, 'b');
  let left = bytes;
  const pump = () => {
    while (left > 0) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      written(piece.length);
      if (!socket.write(piece)) return void socket.once('drain', pump);
    }
    done();
  };
  pump();
}
