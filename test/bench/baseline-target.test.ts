import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseOptions } from '../../bench/options.js';
import { baselineTarget } from '../../bench/targets/baseline.js';

describe('--baseline DIR', () => {
  it('refuses a checkout that was not built, naming the missing file and the way out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomproxy-baseline-'));
    try {
      assert.throws(() => baselineTarget(dir), /--baseline .*dist\/src\/main\/main\.js is missing \(run npm install && npm run build there\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is needed for --targets baseline', () => {
    assert.throws(() => parseOptions(['--targets', 'node/1,baseline']), /--targets baseline needs --baseline DIR/);
    assert.equal(parseOptions(['--targets', 'baseline', '--baseline', '/x']).baseline, '/x');
  });
});
