import { connect, type Socket } from 'node:net';

export interface RawResponse {
  version: string;
  status: number;
  /** Header lines in wire order, names as sent. */
  headers: Array<[string, string]>;
  body: Buffer;
  /** First value of a header, case-insensitively. */
  header(name: string): string | undefined;
}

/**
 * A byte-level HTTP/1.x client: it sends exactly what the test writes (HTTP/1.0, hop-by-hop headers, pipelined
 * requests, malformed input) and parses responses itself, so nothing is normalised on the way.
 */
export class RawClient {
  private buffer = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | null = null;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (data: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, data]);
      this.signal();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.ended = true;
        this.signal();
        resolve();
      }),
    );
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawClient(socket);
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Writes everything `source` yields, honouring backpressure; resolves once the kernel took the last byte. */
  async sendAll(source: AsyncIterable<Buffer>): Promise<void> {
    for await (const chunk of source) {
      if (!this.socket.write(chunk)) await new Promise((resolve) => this.socket.once('drain', resolve));
    }
    await new Promise<void>((resolve) => this.socket.write('', () => resolve()));
  }

  /** Resolves with the next response; `bodiless` for answers to HEAD. Rejects after `timeoutMs`. */
  async readResponse(options: { bodiless?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      const parsed = this.tryParse(options.bodiless ?? false);
      if (parsed) return parsed;
      if (this.ended) throw new Error(`connection closed with ${this.buffer.length} unparsed bytes: ${this.buffer.toString('latin1').slice(0, 200)}`);
      if (Date.now() > deadline) throw new Error(`no complete response within the time limit; got ${this.buffer.toString('latin1').slice(0, 200)}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  /** True when the server closes the connection within `timeoutMs`. */
  async closesWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return result;
  }

  /** Bytes received and not yet parsed as a response. */
  received(): Buffer {
    return this.buffer;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private tryParse(bodiless: boolean): RawResponse | null {
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return null;
    const lines = this.buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
    const [version, status] = lines[0]!.split(' ');
    const headers = lines.slice(1).map((line): [string, string] => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    });
    const header = (name: string) => headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
    const code = Number(status);
    let rest = this.buffer.subarray(headEnd + 4);
    let body: Buffer;
    if (bodiless || code === 204 || code === 304 || code < 200) {
      body = Buffer.alloc(0);
    } else if (header('transfer-encoding')?.toLowerCase() === 'chunked') {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = rest.indexOf('\r\n');
        if (lineEnd < 0) return null;
        const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
        if (rest.length < lineEnd + 2 + size + 2) return null;
        if (size === 0) {
          rest = rest.subarray(lineEnd + 4);
          break;
        }
        parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
        rest = rest.subarray(lineEnd + 2 + size + 2);
      }
      body = Buffer.concat(parts);
    } else if (header('content-length') !== undefined) {
      const length = Number(header('content-length'));
      if (rest.length < length) return null;
      body = rest.subarray(0, length);
      rest = rest.subarray(length);
    } else {
      if (!this.ended) return null; // close-delimited
      body = rest;
      rest = Buffer.alloc(0);
    }
    this.buffer = Buffer.from(rest);
    return { version: version!, status: code, headers, body, header };
  }
}

/** One request on a fresh connection, which is then dropped. */
export async function rawRequest(port: number, request: string | Buffer, options: { bodiless?: boolean } = {}): Promise<RawResponse> {
  const client = await RawClient.connect(port);
  try {
    client.send(request);
    return await client.readResponse(options);
  } finally {
    client.destroy();
  }
}

/** One GET (or, with `body`, POST) on its own connection with `Connection: close`. */
export function closeRequest(port: number, path: string, body?: string): Promise<RawResponse> {
  const method = body === undefined ? 'GET' : 'POST';
  const length = body === undefined ? '' : `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  return rawRequest(port, `${method} ${path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n${length}\r\n${body ?? ''}`);
}
