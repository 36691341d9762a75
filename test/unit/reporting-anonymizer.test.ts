/**
 * The anonymizer gives what Teleport's Go anonymizer gives: base64(HMAC-SHA256(key bytes, value)).
 * Vectors computed from the algorithm's definition, each checked here against openssl, an
 * independent implementation (and against Go's crypto/hmac when a Go toolchain is installed).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ANONYMIZED, AnonymizerKeyError, ClusterKeys, HmacAnonymizer } from '../../src/reporting/index.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const VECTORS: { key: string; input: string; output: string }[] = [
  { key: '0123456789abcdef0123456789abcdef', input: 'prod-cluster', output: '23ntaRWKnpm+EudyCMYJcijSqIR/l4uPWc85cVm9PRc=' },
  { key: '0123456789abcdef0123456789abcdef', input: 'alice', output: 'Qz3rRUZ+TlPbq6WUyIvDogD3BaIVB4jD0R5gQOY+hRA=' },
  { key: '0123456789abcdef0123456789abcdef', input: '', output: 'eWzTB4rxRjZ1PSaztVVUIv9Vo+Jhz4R7SOlTcbm9CqI=' },
  // A UUID key, as Teleport Connect keys by the root cluster's auth cluster id.
  { key: '6a3c4f0e-2b7d-4c1a-9f5e-8d2b1a0c3e4f', input: 'prod-cluster', output: 'h9/TfDOwmqPGSoKX2RqF4267YR8mxjXaI/ZZ7+FdWKE=' },
  { key: '6a3c4f0e-2b7d-4c1a-9f5e-8d2b1a0c3e4f', input: 'alice@example.com', output: 'GAVPuSmHbIf9jy4XXJxRX6OdcdX4b/3EYJCgSGAh3QU=' },
];

/** openssl's HMAC of `input` under `key` (a string, or raw bytes passed as hex), base64. */
function opensslHmac(input: string, key: string | Buffer): string {
  const keyArgs = typeof key === 'string' ? ['-hmac', key] : ['-mac', 'HMAC', '-macopt', `hexkey:${key.toString('hex')}`];
  return execFileSync('openssl', ['dgst', '-sha256', ...keyArgs, '-binary'], { input: Buffer.from(input, 'utf8') }).toString('base64');
}

function goAvailable(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('HmacAnonymizer', () => {
  for (const vector of VECTORS) {
    it(`key ${vector.key}, value ${JSON.stringify(vector.input)}: the vector, and openssl agrees`, () => {
      assert.equal(new HmacAnonymizer(vector.key).anonymize(vector.input), vector.output);
      assert.equal(opensslHmac(vector.input, vector.key), vector.output);
      assert.match(vector.output, ANONYMIZED);
    });
  }

  it("non-ASCII values and keys are used as their UTF-8 bytes, as Go's []byte(string) does", () => {
    for (const [key, input] of [
      ['clé-secrète', 'grüße.example'],
      ['k', '集群-生产'],
      ['0123456789abcdef0123456789abcdef', 'emoji 🚀'],
    ] as const) {
      assert.equal(new HmacAnonymizer(key).anonymize(input), opensslHmac(input, key));
    }
  });

  it('a binary key (32 random bytes) matches openssl with the key given as hex', () => {
    const key = Buffer.from('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'hex');
    for (const input of ['prod-cluster', 'leaf.example.com', '']) assert.equal(new HmacAnonymizer(key).anonymize(input), opensslHmac(input, key));
  });

  it('repeated values come from the memo and still match', () => {
    const anonymizer = new HmacAnonymizer(VECTORS[0]!.key);
    for (let i = 0; i < 3_000; i += 1) assert.equal(anonymizer.anonymize(`cluster-${i % 1_500}`), new HmacAnonymizer(VECTORS[0]!.key).anonymize(`cluster-${i % 1_500}`));
  });

  it('refuses a key that is empty once spaces are trimmed, as Go does', () => {
    for (const key of ['', '   ', '\t\n', new Uint8Array()]) assert.throws(() => new HmacAnonymizer(key), AnonymizerKeyError);
  });

  it("agrees with Go's crypto/hmac", { skip: goAvailable() ? false : 'no Go toolchain on this machine (checked against openssl above)' }, async () => {
    const workspace = await makeWorkspace('tbot-go-hmac-');
    try {
      const program = join(workspace.dir, 'main.go');
      await writeFile(
        program,
        `package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
)

func main() {
	mac := hmac.New(sha256.New, []byte(os.Args[1]))
	mac.Write([]byte(os.Args[2]))
	fmt.Print(base64.StdEncoding.EncodeToString(mac.Sum(nil)))
}
`,
      );
      for (const vector of VECTORS) assert.equal(execFileSync('go', ['run', program, vector.key, vector.input], { encoding: 'utf8', cwd: workspace.dir }), vector.output);
    } finally {
      await workspace.remove();
    }
  });
});

describe('ClusterKeys: a random 32-byte key per root cluster, beside the distinct id', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-keys-');
  });
  after(() => workspace.remove());

  it('creates one 0600 key file per cluster, named without the cluster name, reused by a new store', async () => {
    const keys = new ClusterKeys(workspace.dir);
    const prod = await keys.key('prod.example.com');
    const staging = await keys.key('staging.example.com');
    assert.equal(prod.byteLength, 32);
    assert.notDeepEqual(prod, staging);
    const files = await readdir(keys.dir);
    assert.equal(files.length, 2);
    assert.ok(files.every((name) => /^[0-9a-f]{64}\.key$/.test(name) && !name.includes('example')));
    assert.equal((await stat(keys.keyPath('prod.example.com'))).mode & 0o777, 0o600);
    assert.deepEqual(await readFile(keys.keyPath('prod.example.com')), prod);
    assert.deepEqual(await new ClusterKeys(workspace.dir).key('prod.example.com'), prod);
  });

  it('its anonymizer is HMAC-SHA256 under the stored bytes, as openssl computes it', async () => {
    const keys = new ClusterKeys(workspace.dir);
    const anonymizer = await keys.anonymizerFor('prod.example.com');
    const key = await readFile(keys.keyPath('prod.example.com'));
    assert.equal(anonymizer.anonymize('prod.example.com'), opensslHmac('prod.example.com', key));
    assert.equal(await keys.anonymizerFor('prod.example.com'), anonymizer, 'one anonymizer per cluster');
  });
});
