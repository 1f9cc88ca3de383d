import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { VARIABLES } from '../../src/main/config.js';
import { MAIN } from '../helpers/proxy-process.js';

const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string; bin: Record<string, string> };

function atomproxy(...args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 10_000, env: { PATH: process.env.PATH ?? '' } });
}

describe('the atomproxy command', () => {
  it('is the package’s bin entry, a script Node runs', () => {
    assert.equal(manifest.bin.atomproxy, 'dist/src/main/main.js');
    assert.match(readFileSync(MAIN, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });

  it('--help lists every variable with its default, and exits 0 without starting', () => {
    const { status, stdout } = atomproxy('--help');
    assert.equal(status, 0);
    for (const variable of Object.values(VARIABLES)) assert.match(stdout, new RegExp(`^  ${variable.name} +default: `, 'm'));
    assert.doesNotMatch(stdout, /listening/);
  });

  it('--version prints the package version', () => {
    const { status, stdout } = atomproxy('--version');
    assert.equal(status, 0);
    assert.equal(stdout, `${manifest.version}\n`);
  });

  it('refuses any other argument with exit code 2, pointing at --help', () => {
    const { status, stderr } = atomproxy('--port', '80');
    assert.equal(status, 2);
    assert.match(stderr, /unknown argument "--port 80"; try --help/);
  });
});
