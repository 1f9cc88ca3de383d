import { spawn } from 'node:child_process';
import { registerStop } from '../cleanup.js';

export interface CommandOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a load client to its end, killed after `timeoutMs` (a client that hangs must not hang the bench). */
export function runCommand(command: string, args: string[], timeoutMs: number): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const unregister = registerStop(() => void child.kill('SIGKILL'));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      unregister();
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      unregister();
      resolve({ code, stdout, stderr });
    });
  });
}
