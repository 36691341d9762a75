/** The docs test's reading of pages: which blocks run, what their output must be, and where links lead. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anchors, DocSyntaxError, docBlocks, matchOutput, relativeLinks, slug } from '../helpers/doc-blocks.js';

const page = (...lines: string[]): string => `${lines.join('\n')}\n`;

describe('doc blocks: what is run', () => {
  it('reads runnable blocks with their exit code, output and serve flag, and file blocks, in page order', () => {
    const blocks = docBlocks(
      'p.md',
      page(
        '```yaml file=conf/bot.yaml',
        'version: v2',
        '```',
        '```sh doctest exit=1',
        'tbot start -c conf/bot.yaml',
        '```',
        '',
        '```output',
        'tbot: invalid',
        '```',
        '```sh doctest serve',
        'tbot-collector serve --listen 127.0.0.1:8787',
        '```',
        '```output',
        'listening {{port}}',
        '```',
        '```sh',
        'not run',
        '```',
        '```output',
        'only shown',
        '```',
        '```sh doctest',
        'true',
        '```',
      ),
    );
    assert.deepEqual(blocks, [
      { kind: 'file', line: 1, name: 'conf/bot.yaml', text: 'version: v2\n' },
      { kind: 'run', line: 4, script: 'tbot start -c conf/bot.yaml', exit: 1, serve: false, expected: 'tbot: invalid' },
      { kind: 'run', line: 11, script: 'tbot-collector serve --listen 127.0.0.1:8787', serve: true, exit: 0, expected: 'listening {{port}}' },
      { kind: 'run', line: 23, script: 'true', exit: 0, serve: false, expected: '' },
    ]);
  });

  it('reads a fence indented inside a list item, without its indentation', () => {
    const blocks = docBlocks('p.md', page('- a step:', '', '  ```sh doctest exit=1', '  tbot start', '  ```', '', '  ```output', '  tbot: error', '    indented', '  ```'));
    assert.deepEqual(blocks, [{ kind: 'run', line: 3, script: 'tbot start', exit: 1, serve: false, expected: 'tbot: error\n  indented' }]);
  });

  it('an output block separated by prose is not the output of the block before it', () => {
    const [block] = docBlocks('p.md', page('```sh doctest', 'echo hi', '```', 'Some prose.', '```output', 'hi', '```'));
    assert.equal(block?.kind === 'run' && block.expected, '');
  });

  it('refuses markers it does not know, a file outside the directory, a serve block with nothing to wait for, an unclosed fence', () => {
    assert.throws(() => docBlocks('p.md', page('```sh doctest exit=one', 'x', '```')), /p\.md:1: unknown doctest option "exit=one"/);
    assert.throws(() => docBlocks('p.md', page('```bash doctest', 'x', '```')), DocSyntaxError);
    assert.throws(() => docBlocks('p.md', page('```sh', 'x', '```', '```sh docktest', 'y', '```')), /p\.md:4: a runnable block is marked `sh doctest`/);
    assert.throws(() => docBlocks('p.md', page('```yaml file=../x.yaml', 'a: 1', '```')), /must be a relative path/);
    assert.throws(() => docBlocks('p.md', page('```sh doctest serve', 'x', '```')), /a serve block needs an output block/);
    assert.throws(() => docBlocks('p.md', page('```sh doctest', 'x')), /p\.md:1: a fenced block is never closed/);
  });
});

describe('doc blocks: output matching', () => {
  it('matches exactly, ignoring trailing spaces and trailing blank lines', () => {
    assert.ok(matchOutput('a\nb', 'a  \nb\n\n', '/w'));
    assert.equal(matchOutput('a\nb', 'a\nb\nc', '/w'), null);
    assert.equal(matchOutput('a\nb', 'a\nB', '/w'), null);
    assert.equal(matchOutput('', 'something', '/w'), null);
    assert.ok(matchOutput('', '', '/w'));
  });

  it('wildcards stand for what varies between runs, and nothing else', () => {
    const line = '{{time}} INFO renewed in {{dir}}/out took_ms={{n}} id={{uuid}} on {{date}}, {{any}}!';
    assert.ok(matchOutput(line, '2026-12-05T07:39:17.443Z INFO renewed in /tmp/x/out took_ms=279 id=0c108c4f-967f-4020-bf5f-56248782da2f on 5 Dec 2026, whatever here!', '/tmp/x'));
    assert.equal(matchOutput(line, '2026-12-05 INFO renewed in /tmp/x/out took_ms=279 id=0c108c4f-967f-4020-bf5f-56248782da2f on 5 Dec 2026, x!', '/tmp/x'), null);
    assert.equal(matchOutput(line, '2026-12-05T07:39:17.443Z INFO renewed in /tmp/y/out took_ms=279 id=0c108c4f-967f-4020-bf5f-56248782da2f on 5 Dec 2026, x!', '/tmp/x'), null);
    assert.equal(matchOutput('{{any}}', 'one\ntwo', '/w'), null, '{{any}} stays within a line');
    assert.ok(matchOutput('first\n{{...}}\nlast', 'first\nlast', '/w'));
    assert.ok(matchOutput('first\n{{...}}\nlast', 'first\na\nb\nlast', '/w'));
    assert.equal(matchOutput('first\n{{...}}\nlast', 'first\na\nb', '/w'), null);
    assert.equal(matchOutput('listening 127.0.0.1:{{port}}', 'listening 127.0.0.1:43627', '/w')?.groups?.['port'], '43627');
    assert.equal(matchOutput('a.b', 'axb', '/w'), null, 'the text around wildcards is literal');
    assert.throws(() => matchOutput('{{path}}', 'x', '/w'), /unknown wildcard \{\{path\}\}/);
  });
});

describe('doc blocks: links and anchors', () => {
  it('names headings as GitHub does, numbering repeats', () => {
    assert.equal(slug('Diagnostics (`diag_addr`)'), 'diagnostics-diag_addr');
    assert.equal(slug("Compatibility with Teleport's tbot"), 'compatibility-with-teleports-tbot');
    assert.equal(slug('Start-up: the launcher and its code cache'), 'start-up-the-launcher-and-its-code-cache');
    assert.equal(slug('The reporting library (`tbot-analytics/reporting`)'), 'the-reporting-library-tbot-analyticsreporting');
    assert.deepEqual([...anchors(page('# A', '## Try it', '```sh', '# not a heading', '```', '## Try it'))], ['a', 'try-it', 'try-it-1']);
  });

  it('finds relative links outside code, with their lines', () => {
    const text = page('See [a](other.md#x) and [b](https://example.com).', '`[c](not-a-link.md)`', '```', '[d](in-a-fence.md)', '```', '[e](#local "title")');
    assert.deepEqual(relativeLinks(text), [
      { line: 1, target: 'other.md#x' },
      { line: 6, target: '#local' },
    ]);
  });
});
