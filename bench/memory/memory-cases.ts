import { DOWNLOAD_PATH, SLOW_UPLOAD_PATH, type BodyOrigin } from '../origin/body-origin.js';
import { fastUpload, slowDownload, type Transfer } from './transfer.js';

const MiB = 2 ** 20;
/** The download's reader and the upload's origin read at these paces. */
const DOWNLOAD_READ_RATE = 32 * MiB;
const UPLOAD_READ_RATE = 8 * MiB;

/** One large body through a target, paced so the target must hold one side back. */
export interface MemoryCase {
  id: 'download' | 'upload';
  title: string;
  bytes: number;
  /** The pace of the slow side (the reading client, or the origin reading the upload), bytes/s. */
  bytesPerSecond: number;
  start(url: string, limitMs: number): Transfer;
  /** Body bytes the fast side (origin for a download, client for an upload) moved so far. */
  fastSide(origin: BodyOrigin, transfer: Transfer): number;
  /** Body bytes the slow side took so far. */
  slowSide(origin: BodyOrigin, transfer: Transfer): number;
}

/**
 * 256 MiB streamed to a client reading 32 MiB/s, and 64 MiB uploaded to an origin reading 8 MiB/s: 8 s each.
 * --quick moves an eighth (1 s each): a smoke check of the scenario, not its figure.
 */
export function memoryCases(quick: boolean): MemoryCase[] {
  const scale = quick ? 8 : 1;
  const download = (256 * MiB) / scale;
  const upload = (64 * MiB) / scale;
  return [
    {
      id: 'download',
      title: `${download / MiB} MiB download to a client reading ${DOWNLOAD_READ_RATE / MiB} MiB/s`,
      bytes: download,
      bytesPerSecond: DOWNLOAD_READ_RATE,
      start: (url, limitMs) => slowDownload(url, `${DOWNLOAD_PATH}${download}`, DOWNLOAD_READ_RATE, limitMs),
      fastSide: (origin) => origin.sent(),
      slowSide: (_origin, transfer) => transfer.moved(),
    },
    {
      id: 'upload',
      title: `${upload / MiB} MiB upload to an origin reading ${UPLOAD_READ_RATE / MiB} MiB/s`,
      bytes: upload,
      bytesPerSecond: UPLOAD_READ_RATE,
      start: (url, limitMs) => fastUpload(url, `${SLOW_UPLOAD_PATH}${UPLOAD_READ_RATE}`, upload, limitMs),
      fastSide: (_origin, transfer) => transfer.moved(),
      slowSide: (origin) => origin.received(),
    },
  ];
}
