import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readRegularFile, RefusedFileError } from '../../src/fs/read-regular-file.js';
import { makeWorkspace } from '../helpers/workspace.js';

describe('readRegularFile', () => {
  it('reads a file up to the limit', async () => {
    const workspace = await makeWorkspace();
    try {
      const path = await workspace.write('ok', 'x'.repeat(1024));
      assert.equal((await readRegularFile(path, 1024)).length, 1024);
      await assert.rejects(readRegularFile(path, 1023), (error: unknown) => error instanceof RefusedFileError && /larger than 1023 bytes/.test(error.message));
    } finally {
      await workspace.remove();
    }
  });

  it('stops one byte past the limit when the file grows after fstat', async () => {
    const workspace = await makeWorkspace();
    try {
      const path = await workspace.write('growing', 'small');
      const growAfterCheck = (): void => appendFileSync(path, 'y'.repeat(4096));
      await assert.rejects(readRegularFile(path, 1024, growAfterCheck), (error: unknown) => error instanceof RefusedFileError && /larger than 1 KiB/.test(error.message));
    } finally {
      await workspace.remove();
    }
  });
});
