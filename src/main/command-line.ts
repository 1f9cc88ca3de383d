import { readFileSync } from 'node:fs';
import { VARIABLES } from './config.js';

/** What the command line asked for: run the proxy, or print something and exit with `code`. */
export type CommandLine = { run: true } | { run: false; code: number; text: string };

function version(): string {
  // dist/src/main → the package root.
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

function help(): string {
  const width = Math.max(...Object.values(VARIABLES).map((variable) => variable.name.length));
  const lines = Object.values(VARIABLES).map((variable) => `  ${variable.name.padEnd(width)}  default: ${variable.fallback === '' ? '(empty)' : variable.fallback}`);
  return [
    `atomproxy ${version()}: an HTTP reverse proxy whose upstream connection reuse does not depend on the client connection`,
    '',
    'usage: atomproxy [--help | --version]',
    '',
    'Configured only by environment variables (docs/configuration.md says what each one means and allows):',
    ...lines,
    '',
    'With no ATOM_UPSTREAMS it proxies to a built-in demo origin. SIGTERM or SIGINT: finish in-flight requests, then exit.',
    '',
  ].join('\n');
}

/** Reads the arguments after the script: none runs the proxy; --help and --version print; anything else is refused. */
export function readCommandLine(args: string[]): CommandLine {
  if (args.length === 0) return { run: true };
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) return { run: false, code: 0, text: help() };
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) return { run: false, code: 0, text: `${version()}\n` };
  return { run: false, code: 2, text: `atomproxy: unknown argument ${JSON.stringify(args.join(' '))}; try --help (settings are ATOM_* environment variables)\n` };
}
