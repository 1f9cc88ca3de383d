import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fastUpload, slowDownload } from '../../bench/memory/transfer.js';
import { DOWNLOAD_PATH, SLOW_UPLOAD_PATH, startBodyOrigin, type BodyOrigin } from '../../bench/origin/body-origin.js';

const MiB = 2 ** 20;

describe("the memory scenario's paced transfers, straight to the body origin", () => {
  let origin: BodyOrigin;
  before(async () => (origin = await startBodyOrigin()));
  after(() => origin.stop());

  it('a slow reader takes the whole download at its pace; the origin counts what it handed to the kernel', async () => {
    const sentBefore = origin.sent();
    const transfer = slowDownload(origin.url, `${DOWNLOAD_PATH}${4 * MiB}`, 8 * MiB, 10_000);
    const { seconds } = await transfer.done;
    assert.equal(transfer.moved(), 4 * MiB);
    assert.equal(origin.sent() - sentBefore, 4 * MiB);
    assert.ok(seconds >= 0.4 && seconds < 2, `4 MiB at 8 MiB/s took ${seconds} s`);
  });

  it('an upload goes at the pace the origin reads, then is answered 200', async () => {
    const receivedBefore = origin.received();
    const transfer = fastUpload(origin.url, `${SLOW_UPLOAD_PATH}${4 * MiB}`, 2 * MiB, 10_000);
    const { seconds } = await transfer.done;
    assert.equal(origin.received() - receivedBefore, 2 * MiB);
    assert.equal(transfer.moved(), 2 * MiB);
    assert.ok(seconds >= 0.4 && seconds < 2, `2 MiB read at 4 MiB/s took ${seconds} s`);
  });

  it('fails on a non-200 answer and on a time limit', async () => {
    await assert.rejects(slowDownload(origin.url, '/nothing-here', MiB, 10_000).done, /answered 404/);
    await assert.rejects(slowDownload(origin.url, `${DOWNLOAD_PATH}${8 * MiB}`, MiB, 300).done, /not done within 0.3 s/);
  });
});
