import { get } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nginxConfig } from '../nginx-config.js';
import { startConfiguredServer } from '../server-process.js';
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

/** The server block; the larger bodies are written as files into `dir` ("/" answers from the config, as ANCHOR-BENCH's origin). */
function originServer(dir: string, port: number): string {
  const locations = RESPONSES.map(({ path, body }, i) => {
    if (path === '/') return `    location = / { return 200 "${body.toString().replace('\n', '\\n')}"; }`;
    writeFileSync(join(dir, `body${i}`), body);
    return `    location = ${path} { alias ${dir}/body${i}; }`;
  });
  return `  default_type text/plain;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    client_max_body_size ${MAX_UPLOAD_BYTES};
    client_body_buffer_size ${MAX_UPLOAD_BYTES};
    location = /nginx_status { stub_status; }
    location = ${UPLOAD_PATH} { return 200 "ok\\n"; }
${locations.join('\n')}
  }`;
}

/** nginx, 1 worker, the cheapest origin: static bodies, uploads read and discarded, stub_status for accepts. */
export async function startNginxOrigin(nginx: string): Promise<Origin> {
  const config = (dir: string, port: number) => nginxConfig(dir, originServer(dir, port));
  const server = await startConfiguredServer('origin', nginx, config, (dir, path) => ['-p', dir, '-c', path]);
  let ownConnections = 1; // the readiness probe
  return {
    kind: 'nginx',
    url: server.url,
    async accepted() {
      ownConnections++;
      const accepts = Number(/\n\s*(\d+)\s+\d+\s+\d+/.exec(await statusText(server.url))![1]);
      return accepts - ownConnections;
    },
    stop: () => server.stop(),
  };
}
