import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/free-port.js';
import { registerStop } from './cleanup.js';

/** A server program started in the foreground: nginx, haproxy (from a config the bench wrote), a bare relay. */
export interface ServerProcess {
  pid: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * Picks a free port and a temp dir, writes `config(dir, port)` there as `name.conf`, and starts
 * `command ...args(dir, configPath)`; the dir goes away when the server is stopped.
 */
export async function startConfiguredServer(
  name: string,
  command: string,
  config: (dir: string, port: number) => string,
  args: (dir: string, configPath: string) => string[],
): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), `atomproxy-bench-${name}-`));
  chmodSync(dir, 0o755); // nginx started as root runs its workers as nobody: they read bodies and write temp files here
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const unregisterRemoveDir = registerStop(removeDir);
  const port = await freePort();
  const configPath = join(dir, `${name}.conf`);
  try {
    writeFileSync(configPath, config(dir, port));
    return await startServerProcess(command, args(dir, configPath), port, removeDir);
  } finally {
    unregisterRemoveDir(); // the server's own stop removes it from now on
  }
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts `command args`, waits (10 s at most) until `port` accepts, and runs `afterStop` once it was stopped. */
export async function startServerProcess(command: string, args: string[], port: number, afterStop: () => void = () => {}): Promise<ServerProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const stop = async () => {
    unregister();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    afterStop();
  };
  const unregister = registerStop(stop);
  const deadline = Date.now() + 10_000;
  while (!(await portAccepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${command} did not start (exit ${child.exitCode}): ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { pid: child.pid!, url: `http://127.0.0.1:${port}`, stop };
}
