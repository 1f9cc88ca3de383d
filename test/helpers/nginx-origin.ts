import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** The Debian paths of the tools the end-to-end checks drive; null when one is not installed. */
export function findTool(name: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${name} || ls /usr/sbin/${name} 2>/dev/null`], { encoding: 'utf8' });
  const path = found.stdout.trim().split('\n')[0];
  return path ? path : null;
}

/** A real nginx origin answering "hello world\n", with stub_status to count the connections it accepted. */
export interface NginxOrigin {
  url: string;
  /** TCP connections nginx accepted so far, not counting the status queries themselves. */
  accepted(): Promise<number>;
  stop(): Promise<void>;
}

export async function startNginxOrigin(nginx: string): Promise<NginxOrigin> {
  const dir = mkdtempSync(join(tmpdir(), 'atomproxy-nginx-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000000;
  keepalive_timeout 65s;
  server {
    listen 127.0.0.1:${port};
    location = /nginx_status { stub_status; }
    location / { return 200 "hello world\\n"; }
  }
}
`,
  );
  const child: ChildProcess = spawn(nginx, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  let statusQueries = 0;
  const accepted = async () => {
    statusQueries++;
    const text = await (await fetch(`${url}/nginx_status`, { headers: { connection: 'close' } })).text();
    return Number(/\n\s*(\d+)\s+\d+\s+\d+/.exec(text)![1]) - statusQueries;
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await accepted();
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`nginx did not start: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url,
    accepted,
    async stop() {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
