/**
 * src/net/fetch-classes.ts against Node's own (undici's) Headers, Request and Response: the same
 * operations give the same results, for everything ky and nodeHttpFetch do with them. Then ky
 * itself, bundled the way build.mjs bundles it (on these classes), sends through nodeHttpFetch to
 * a real loopback server without loading undici.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { FetchBody, FetchHeaders, FetchRequest, FetchResponse } from '../../src/net/fetch-classes.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const headerCases: [string, ConstructorParameters<typeof Headers>[0]][] = [
  ['record', { 'Content-Type': 'application/json', 'X-Two': ' padded\t' }],
  [
    'pairs',
    [
      ['accept', 'a'],
      ['Accept', 'b'],
      ['x-z', '1'],
      ['x-a', '2'],
    ],
  ],
  ['empty', {}],
];

const snapshot = (headers: { entries(): IterableIterator<[string, string]> }): [string, string][] => [...headers.entries()];

describe('fetch classes behave as the globals do', () => {
  it('Headers: names folded, values trimmed and joined, sorted iteration, get/has/set/delete', () => {
    for (const [name, init] of headerCases) {
      const real = new Headers(init);
      const ours = new FetchHeaders(init as never);
      assert.deepEqual(snapshot(ours), snapshot(real), name);
      for (const key of ['content-type', 'CONTENT-TYPE', 'accept', 'missing', 'x-two']) {
        assert.equal(ours.get(key), real.get(key), `${name} get ${key}`);
        assert.equal(ours.has(key), real.has(key), `${name} has ${key}`);
      }
      for (const target of [real, ours]) {
        target.set('X-New', 'v');
        target.append('x-new', 'w');
        target.delete('accept');
      }
      assert.deepEqual(snapshot(ours), snapshot(real), `${name} after changes`);
      assert.deepEqual(snapshot(new FetchHeaders(real)), snapshot(real), `${name} copied from a Headers`);
      const seen: string[] = [];
      ours.forEach((value, key) => {
        seen.push(`${key}=${value}`);
      });
      const expected: string[] = [];
      real.forEach((value, key) => {
        expected.push(`${key}=${value}`);
      });
      assert.deepEqual(seen, expected);
    }
  });

  it('Headers: refuse what the globals refuse', () => {
    for (const [header, value] of [
      ['bad name', 'v'],
      ['ok', 'line\nbreak'],
      ['', 'v'],
      ['ok', 'nul\0'],
    ]) {
      assert.throws(() => new Headers([[header!, value!]]), TypeError);
      assert.throws(() => new FetchHeaders([[header!, value!]]), TypeError, `${JSON.stringify(header)}: ${JSON.stringify(value)}`);
    }
  });

  it('Request: URL, method, default content types, body bytes, signal, redirect, clone, one read', async () => {
    const signal = new AbortController().signal;
    const cases: [string | URL, RequestInit][] = [
      ['http://127.0.0.1:8787/a/../b?q=1', { method: 'post', body: '{"x":1}', headers: { 'content-type': 'application/json' }, signal, redirect: 'error', credentials: 'omit' }],
      [new URL('http://example.com'), { method: 'PUT', body: new Uint8Array([1, 2, 3]) }],
      ['http://example.com/', { method: 'PATCH', body: 'text' }],
      ['http://example.com/', { method: 'POST', body: new URLSearchParams({ a: '1 2' }) }],
      ['http://example.com/', {}],
    ];
    for (const [input, init] of cases) {
      const real = new Request(input, init);
      const ours = new FetchRequest(input, init as never);
      const label = `${String(input)} ${init.method ?? 'GET'}`;
      assert.equal(ours.url, real.url, label);
      assert.equal(ours.method, real.method, label);
      assert.equal(ours.redirect, real.redirect, label);
      assert.equal(ours.credentials, real.credentials, label);
      assert.deepEqual(snapshot(ours.headers), snapshot(real.headers), label);
      assert.equal(ours.body === null, real.body === null, label);
      if (init.signal !== undefined) assert.equal(ours.signal, signal);
      const copy = ours.clone();
      assert.deepEqual(Buffer.from(await ours.arrayBuffer()), Buffer.from(await real.arrayBuffer()), label);
      assert.equal(ours.bodyUsed, real.bodyUsed, label);
      assert.equal(await copy.text(), Buffer.from(await new Request(input, init).arrayBuffer()).toString(), `${label} clone`);
      if (real.bodyUsed) {
        await assert.rejects(real.text(), TypeError);
        await assert.rejects(ours.text(), TypeError);
      }
    }
    assert.throws(() => new Request('http://example.com', { method: 'GET', body: 'x' }), TypeError);
    assert.throws(() => new FetchRequest('http://example.com', { method: 'GET', body: 'x' }), TypeError);
    assert.throws(() => new FetchRequest('not a url'), TypeError);
    assert.throws(() => new FetchRequest('http://example.com', { method: 'B A D' }), TypeError);
    assert.throws(() => new FetchRequest('http://example.com', { method: 'POST', body: {} as never }), { message: 'unsupported BodyInit type' });
  });

  it('Response: status, ok, text and json once, a body read by a reader, and cancel', async () => {
    for (const [body, init] of [
      ['{"a":1}', { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json' } }],
      ['', { status: 200 }],
      [null, { status: 204 }],
      [null, { status: 503 }],
    ] as const) {
      const real = new Response(body, init);
      const ours = new FetchResponse(body, init);
      assert.deepEqual([ours.status, ours.statusText, ours.ok], [real.status, real.statusText, real.ok]);
      assert.deepEqual(snapshot(ours.headers), snapshot(real.headers));
      assert.equal(await ours.text(), await real.text());
      assert.equal(ours.bodyUsed, real.bodyUsed, `${init.status}`);
      const again = async (response: { text(): Promise<string> }): Promise<string> =>
        response.text().then(
          (text) => `read ${JSON.stringify(text)}`,
          (error: Error) => error.name,
        );
      assert.equal(await again(ours), await again(real), `${init.status}: a second read`);
    }
    assert.throws(() => new Response('', { status: 204 }), TypeError);
    assert.throws(() => new FetchResponse('', { status: 204 }), TypeError);
    assert.throws(() => new Response(null, { status: 600 }), RangeError);
    assert.throws(() => new FetchResponse(null, { status: 600 }), RangeError);
    assert.deepEqual(await new FetchResponse('{"a":[1]}').json(), { a: [1] });

    // A streamed body: read chunk by chunk, then a cancelled one destroys its stream.
    const { Readable } = await import('node:stream');
    const reader = new FetchResponse(new FetchBody(Readable.from([Buffer.from('ab'), Buffer.from('cd')]))).body!.getReader();
    const parts: string[] = [];
    for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(Buffer.from(next.value).toString());
    assert.deepEqual(parts, ['ab', 'cd']);
    const endless = new Readable({ read() {} });
    endless.push('x');
    const body = new FetchBody(endless);
    await body.cancel();
    assert.equal(endless.destroyed, true);
    assert.throws(() => body.getReader(), TypeError, 'a cancelled body is locked');
  });
});

describe('ky on the fetch classes, as the bundles carry it', () => {
  let workspace: Workspace;
  let url: string;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      response.statusCode = request.url === '/fail' ? 503 : 200;
      response.end(JSON.stringify({ method: request.method, type: request.headers['content-type'], agent: request.headers['user-agent'], body }));
    });
  });
  before(async () => {
    workspace = await makeWorkspace('tbot-fetch-classes-');
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.close();
    await workspace.remove();
  });

  it('sends, reads bounded, reports HTTP errors, and never loads undici', async () => {
    const esbuild = await import('esbuild');
    const entry = join(workspace.dir, 'entry.ts');
    await writeFile(
      entry,
      `import ky, { HTTPError } from 'ky';
import { nodeHttpFetch } from ${JSON.stringify(join(ROOT, 'src/net/node-http-fetch.ts'))};
import { readBodyBounded } from ${JSON.stringify(join(ROOT, 'src/net/bounded-body.ts'))};
const url = process.argv[2];
const response = await ky(url + '/ok', { method: 'POST', body: '{"e":1}', headers: { 'content-type': 'application/json', 'user-agent': 'tbot/test' }, retry: 0, timeout: false, redirect: 'error', credentials: 'omit', fetch: nodeHttpFetch });
const read = await readBodyBounded(response, 1024);
let failed = '';
try { await ky.post(url + '/fail', { json: { a: 1 }, retry: 0, timeout: false, fetch: nodeHttpFetch }); } catch (error) { failed = error instanceof HTTPError ? 'HTTPError ' + error.response.status : String(error); }
const undici = process.moduleLoadList.some((name) => name.includes('undici'));
console.log(JSON.stringify({ status: response.status, read, failed, undici }));
`,
    );
    // The plugin build.mjs gives every bundle; without it, ky probes the globals and undici loads.
    const { kyOnFetchClasses } = (await import(join(ROOT, 'build.mjs'))) as { kyOnFetchClasses: () => never };
    const run = async (name: string, plugins: never[]): Promise<{ status: number; read: { text: string; whole: boolean }; failed: string; undici: boolean }> => {
      const out = join(workspace.dir, `${name}.mjs`);
      await esbuild.build({
        entryPoints: [entry],
        outfile: out,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        plugins,
        nodePaths: [join(ROOT, 'node_modules')],
        logLevel: 'error',
        metafile: true,
      });
      // Asynchronously: the server answering it lives in this process.
      const { stdout } = await promisify(execFile)(process.execPath, [out, url], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' }, timeout: 20_000 });
      return JSON.parse(stdout) as never;
    };
    const swapped = await run('swapped', [kyOnFetchClasses()]);
    assert.equal(swapped.status, 200);
    assert.deepEqual(JSON.parse(swapped.read.text), { method: 'POST', type: 'application/json', agent: 'tbot/test', body: '{"e":1}' });
    assert.equal(swapped.read.whole, true);
    assert.equal(swapped.failed, 'HTTPError 503');
    assert.equal(swapped.undici, false, 'undici was loaded');
    const plain = await run('plain', []);
    assert.deepEqual([plain.status, plain.failed, plain.undici], [200, 'HTTPError 503', true], 'without the swap, undici loads (so the check above can fail)');
  });
});
