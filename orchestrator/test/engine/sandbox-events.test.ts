import { describe, expect, it } from 'vitest';
import { MAX_DENIALS, SandboxEvents } from '../../src/engine/attempt/sandbox-events.js';

const WT = '/work/run/worktrees/a';
const TMP = '/work/home/run-tmp/a';

function denialsOf(output: string): { path?: string; message: string }[] {
  const events = new SandboxEvents(WT, WT, [TMP]);
  events.onEvent({ type: 'command-end', id: '1', command: 'sh -c x', exitCode: 1, output, durationMs: undefined });
  return events.denials.map(({ path, message }) => ({ ...(path === undefined ? {} : { path }), message }));
}

describe('the sandbox denials read from command output', () => {
  it.each([
    ['bash', '/bin/bash: line 1: /etc/x: Read-only file system', '/etc/x', 'Read-only file system'],
    ['dash', '/bin/sh: 1: cannot create /etc/x: Read-only file system', '/etc/x', 'Read-only file system'],
    ['zsh', 'zsh:1: read-only file system: /etc/x', '/etc/x', 'Read-only file system'],
    ['touch', "touch: cannot touch '/etc/x': Read-only file system", '/etc/x', 'Read-only file system'],
    ['cp', "cp: cannot create regular file '/etc/x': Permission denied", '/etc/x', 'Permission denied'],
    ['mkdir', "mkdir: cannot create directory '/etc/x': Operation not permitted", '/etc/x', 'Operation not permitted'],
    ['python', "OSError: [Errno 30] Read-only file system: '/etc/x'", '/etc/x', 'Read-only file system'],
    ['node', "Error: EROFS: read-only file system, open '/etc/x'", '/etc/x', 'Read-only file system'],
    ['a relative path', '/bin/bash: line 1: ../x: Read-only file system', '/work/run/worktrees/x', 'Read-only file system'],
    ['a path through ..', '/bin/bash: line 1: /work/home/run-tmp/a/../x: Read-only file system', '/work/home/run-tmp/x', 'Read-only file system'],
  ])('%s', (_name, output, path, message) => {
    expect(denialsOf(`before\n${output}\nafter`)).toEqual([{ path, message }]);
  });

  it('keeps a denial without a path, once, and at most MAX_DENIALS of them', () => {
    expect(denialsOf('Permission denied\nPermission denied')).toEqual([{ message: 'Permission denied' }]);
    const many = Array.from({ length: MAX_DENIALS + 5 }, (_, i) => `/bin/bash: /etc/x${i}: Read-only file system`).join('\n');
    expect(denialsOf(many)).toHaveLength(MAX_DENIALS);
  });

  it('says nothing of output without a denial', () => {
    expect(denialsOf('all good\nthe file is read-only, as planned')).toEqual([]);
  });

  it('names patches applied outside the writable folders, and not those inside', () => {
    const events = new SandboxEvents(WT, WT, [TMP]);
    events.onEvent({ type: 'patch-applied', id: '1', files: ['ok.txt', `${TMP}/scratch`, '/etc/x', '../b/y'], success: true, output: '' });
    expect(events.writesOutside).toEqual(['/etc/x', '/work/run/worktrees/b/y']);
  });
});
