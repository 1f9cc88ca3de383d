import { get } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/free-port.js';
import { nginxConfig } from '../nginx-config.js';
import { startServerProcess } from '../server-process.js';
import type { Origin } from './origin.js';
import { MAX_UPLOAD_BYTES, RESPONSES, UPLOAD_PATH } from './payloads.js';

function statusText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(`${url}/nginx_status`, { agent: false }, (response) => {
      let text = '';
      response.on('data', (data: Buffer) => (text += data.toString()));
      response.on('end', () => resolve(text));
    }).once('error', reject);
  });
}

/** nginx, 1 worker, the cheapest origin: static bodies, uploads read and discarded, stub_status for accepts. */
export async function startNginxOrigin(nginx: string): Promise<Origin> {
  const dir = mkdtempSync(join(tmpdir(), 'atomproxy-bench-origin-'));
  const port = await freePort();
  // "/" answers from the config as ANCHOR-BENCH's origin does; larger bodies are files.
  const locations = RESPONSES.map(({ path, body }, i) => {
    if (path === '/') return `    location = / { return 200 "${body.toString().replace('\n', '\\n')}"; }`;
    writeFileSync(join(dir, `body${i}`), body);
    return `    location = ${path} { alias ${dir}/body${i}; }`;
  });
  const http = `  default_type text/plain;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    client_max_body_size ${MAX_UPLOAD_BYTES};
    client_body_buffer_size ${MAX_UPLOAD_BYTES};
    location = /nginx_status { stub_status; }
    location = ${UPLOAD_PATH} { return 200 "ok\\n"; }
${locations.join('\n')}
  }`;
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, http));
  const server = await startServerProcess(nginx, ['-p', dir, '-c', join(dir, 'nginx.conf')], port, dir);
  const url = `http://127.0.0.1:${port}`;
  let ownConnections = 1; // startServerProcess's readiness probe
  return {
    kind: 'nginx',
    url,
    async accepted() {
      ownConnections++;
      const accepts = Number(/\n\s*(\d+)\s+\d+\s+\d+/.exec(await statusText(url))![1]);
      return accepts - ownConnections;
    },
    stop: () => server.stop(),
  };
}
