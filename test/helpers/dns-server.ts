import { createSocket, type RemoteInfo } from 'node:dgram';
import { once } from 'node:events';

/** A tiny authoritative DNS server on loopback UDP for the tests: A records that the test changes at will. */
export interface TestDnsServer {
  /** `127.0.0.1:port`, as ATOM_DNS_SERVERS takes it. */
  address: string;
  /** Answers `name` with these IPv4 addresses from now on (none: an empty answer). */
  set(name: string, addresses: string[], ttlSeconds?: number): void;
  /** A queries answered so far, per name. */
  queries(name: string): number;
  close(): Promise<void>;
}

const TYPE_A = 1;
const CLASS_IN = 1;

/** Reads the question's name (labels, no compression: clients never compress a question) and where it ends. */
function readName(message: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = start;
  while (message[at]! > 0) {
    labels.push(message.subarray(at + 1, at + 1 + message[at]!).toString('ascii'));
    at += 1 + message[at]!;
  }
  return { name: labels.join('.').toLowerCase(), end: at + 1 };
}

/**
 * Answers every query with the records set for its name (RFC 1035 wire format): A queries get the A records,
 * other types (AAAA) an empty answer, so a client sees exactly the IPv4 addresses the test chose.
 */
export async function startDnsServer(): Promise<TestDnsServer> {
  const records = new Map<string, { addresses: string[]; ttlSeconds: number }>();
  const counts = new Map<string, number>();
  const socket = createSocket('udp4');
  socket.on('message', (query: Buffer, peer: RemoteInfo) => {
    if (query.length < 12) return;
    const { name, end } = readName(query, 12);
    const type = query.readUInt16BE(end);
    const question = query.subarray(12, end + 4);
    const answers = type === TYPE_A ? (records.get(name)?.addresses ?? []) : [];
    if (type === TYPE_A) counts.set(name, (counts.get(name) ?? 0) + 1);
    const ttl = records.get(name)?.ttlSeconds ?? 1;
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0); // the query's id
    header.writeUInt16BE(0x8180, 2); // a response, recursion desired and available, no error
    header.writeUInt16BE(1, 4); // one question
    header.writeUInt16BE(answers.length, 6);
    const answerRecords = answers.map((address) => {
      const answer = Buffer.alloc(16);
      answer.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
      answer.writeUInt16BE(TYPE_A, 2);
      answer.writeUInt16BE(CLASS_IN, 4);
      answer.writeUInt32BE(ttl, 6);
      answer.writeUInt16BE(4, 10);
      address.split('.').forEach((octet, i) => answer.writeUInt8(Number(octet), 12 + i));
      return answer;
    });
    socket.send(Buffer.concat([header, question, ...answerRecords]), peer.port, peer.address);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return {
    address: `127.0.0.1:${socket.address().port}`,
    set: (name, addresses, ttlSeconds = 1) => void records.set(name.toLowerCase(), { addresses, ttlSeconds }),
    queries: (name) => counts.get(name.toLowerCase()) ?? 0,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
