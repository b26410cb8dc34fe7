/**
 * The .deb reader (src/sources/packaging/deb.ts): packages built here by dpkg-deb in every
 * compression it offers, read back member by member; malformed archives, each of which must be a
 * DebError that says what is wrong; and, with UNITLINT_CORPUS=1 where /tmp/corpus/debs exists, every real package in it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DebError, parseConffiles, parseControl, readDeb, readDebBuffer, type DebMember, type DebPackage } from '../src/sources/packaging/deb.js';

const DPKG_DEB = '/usr/bin/dpkg-deb';
const hasDpkgDeb = fs.existsSync(DPKG_DEB) && spawnSync(DPKG_DEB, ['--version']).status === 0;
const NO_DPKG = 'dpkg-deb (/usr/bin/dpkg-deb) is not installed: the packages cannot be built';
const CORPUS = '/tmp/corpus/debs';
// Reading all 99 packages takes ~25 s (xz): run it on demand with UNITLINT_CORPUS=1.
const hasCorpus = !!process.env.UNITLINT_CORPUS && fs.existsSync(CORPUS);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-deb-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// The package built by dpkg-deb

const CONTROL = [
  'Package: agent',
  'Version: 1:2.3-4',
  'Architecture: amd64',
  'Maintainer: Jane Doe <jane@example.org>',
  'Depends: libc6 (>= 2.34),',
  ' adduser,',
  '  systemd | systemd-standalone-sysusers',
  'Description: monitoring agent',
  ' The agent reports to the server.',
  ' .',
  ' It starts at boot.',
  '',
].join('\n');
const POSTINST = '#!/bin/sh\nset -e\nif [ "$1" = configure ]; then\n\tsystemctl enable agent.service\nfi\n';
const CONFFILES = '/etc/agent/agent.yaml\n';
const SERVICE = '[Unit]\nDescription=Agent\nAfter=network-online.target\n\n[Service]\nExecStart=/usr/bin/agent\n\n[Install]\nWantedBy=multi-user.target\n';
const YAML = 'server: https://example.org\ninterval: 30s\n';
const BINARY = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0]);
const LONG_DIR = 'usr/share/doc/agent/examples/a-directory-name-that-is-quite-long/and-another-one-that-is-longer-still';
const LONG_FILE = `${LONG_DIR}/configuration-example-with-a-long-name.yaml`;
const LONG_LINK = `${LONG_DIR}/link-with-a-long-name-to-the-example-configuration.yaml`;
const BIG = 'x'.repeat(600 * 1024) + '\n';

function buildTree(root: string): void {
  const put = (rel: string, data: string | Buffer, mode = 0o644): void => {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, data);
    fs.chmodSync(p, mode);
  };
  put('DEBIAN/control', CONTROL);
  put('DEBIAN/postinst', POSTINST, 0o755);
  put('DEBIAN/conffiles', CONFFILES);
  put('lib/systemd/system/agent.service', SERVICE);
  put('etc/agent/agent.yaml', YAML, 0o640);
  put('usr/bin/agent', BINARY, 0o755);
  fs.linkSync(path.join(root, 'usr/bin/agent'), path.join(root, 'usr/bin/agent-hard'));
  fs.mkdirSync(path.join(root, 'usr/sbin'));
  fs.symlinkSync('../bin/agent', path.join(root, 'usr/sbin/agentctl'));
  put(LONG_FILE, YAML);
  fs.symlinkSync('configuration-example-with-a-long-name.yaml', path.join(root, LONG_LINK));
  put('usr/share/agent/big.txt', BIG);
  // Directories: mode 0755 whatever the umask.
  const dirs = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) {
        fs.chmodSync(path.join(d, e.name), 0o755);
        dirs(path.join(d, e.name));
      }
    }
  };
  fs.chmodSync(root, 0o755);
  dirs(root);
}

function dirsOf(p: string): string[] {
  const out: string[] = [];
  for (let d = path.posix.dirname(p); d !== '/'; d = path.posix.dirname(d)) out.push(d);
  return out;
}

function expectedMembers(): DebMember[] {
  const files: DebMember[] = [
    { path: '/etc/agent/agent.yaml', type: 'file', size: YAML.length, mode: 0o640, text: YAML },
    { path: '/lib/systemd/system/agent.service', type: 'file', size: SERVICE.length, mode: 0o644, text: SERVICE },
    { path: '/usr/bin/agent', type: 'file', size: BINARY.length, mode: 0o755 },
    { path: '/usr/bin/agent-hard', type: 'hardlink', linkTarget: '/usr/bin/agent', size: 0, mode: 0o755 },
    { path: '/usr/sbin/agentctl', type: 'symlink', linkTarget: '../bin/agent', size: 0, mode: 0o777 },
    { path: `/${LONG_FILE}`, type: 'file', size: YAML.length, mode: 0o644, text: YAML },
    { path: `/${LONG_LINK}`, type: 'symlink', linkTarget: 'configuration-example-with-a-long-name.yaml', size: 0, mode: 0o777 },
    { path: '/usr/share/agent/big.txt', type: 'file', size: BIG.length, mode: 0o644 },
  ];
  const dirs = new Set<string>(['/']);
  for (const f of files) for (const d of dirsOf(f.path)) dirs.add(d);
  const all = [...files, ...[...dirs].map((d): DebMember => ({ path: d, type: 'dir', size: 0, mode: 0o755 }))];
  return all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

const byPath = (ms: DebMember[]): DebMember[] => [...ms].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

const COMPRESSIONS = [
  { z: 'gzip', ext: '.gz' },
  { z: 'xz', ext: '.xz' },
  { z: 'zstd', ext: '.zst' },
  { z: 'none', ext: '' },
] as const;

const built = new Map<string, string>();
function buildDeb(z: string): string {
  const done = built.get(z);
  if (done) return done;
  const root = path.join(tmp, `tree-${z}`);
  buildTree(root);
  const out = path.join(tmp, `agent-${z}.deb`);
  execFileSync(DPKG_DEB, ['--root-owner-group', `-Z${z}`, '--build', root, out], { stdio: 'pipe' });
  built.set(z, out);
  return out;
}

describe.each(COMPRESSIONS)('a package built by dpkg-deb -Z$z', ({ z, ext }) => {
  it.skipIf(!hasDpkgDeb)('has the ar members dpkg-deb wrote', () => {
    // A check of the test's own assumption: the member names read below.
    const names = execFileSync('ar', ['t', buildDeb(z)], { encoding: 'utf8' }).trim().split('\n');
    expect(names[0]).toBe('debian-binary');
    expect(names.slice(1).sort()).toEqual([`control.tar${ext}`, `data.tar${ext}`].sort());
  });

  it.skipIf(!hasDpkgDeb)('reads control fields, control files and conffiles', async () => {
    const file = buildDeb(z);
    const deb = await readDeb(file);
    expect(deb.file).toBe(file);
    expect(deb.control).toEqual({
      Package: 'agent',
      Version: '1:2.3-4',
      Architecture: 'amd64',
      Maintainer: 'Jane Doe <jane@example.org>',
      Depends: 'libc6 (>= 2.34), adduser, systemd | systemd-standalone-sysusers',
      Description: 'monitoring agent\nThe agent reports to the server.\n.\nIt starts at boot.',
    });
    expect(deb.controlFiles).toEqual({ control: CONTROL, postinst: POSTINST, conffiles: CONFFILES });
    expect(deb.conffiles).toEqual(['/etc/agent/agent.yaml']);
  });

  it.skipIf(!hasDpkgDeb)('reads every member with its type, target, size, mode and text', async () => {
    const deb = await readDeb(buildDeb(z));
    expect(byPath(deb.members)).toEqual(expectedMembers());
    // The long names really were long (GNU ././@LongLink records, or pax headers).
    expect(LONG_FILE.length).toBeGreaterThan(100);
    expect(LONG_LINK.length).toBeGreaterThan(100);
  });

  it.skipIf(!hasDpkgDeb)('reads the same from a buffer', async () => {
    const file = buildDeb(z);
    const a = await readDeb(file);
    const b = await readDebBuffer(new Uint8Array(fs.readFileSync(file)), 'x.deb');
    expect({ ...b, file: a.file }).toEqual(a);
  });
});

describe('pax headers', () => {
  it('takes path and linkpath from pax records', async () => {
    const longName = `./usr/share/${'p'.repeat(150)}/file.conf`;
    const target = `../${'t'.repeat(120)}`;
    const data = tar([
      { name: './', type: 'directory' },
      { name: longName, body: 'a=1\n', pax: true },
      { name: './usr/share/link', type: 'symlink', linkname: target, pax: true },
    ]);
    const deb = await readDebBuffer(ar([['debian-binary', '2.0\n'], ['control.tar.gz', zlib.gzipSync(controlTar())], ['data.tar', data]]), 'pax.deb');
    expect(deb.members).toEqual([
      { path: '/', type: 'dir', size: 0, mode: 0o755 },
      { path: longName.slice(1), type: 'file', size: 4, mode: 0o644, text: 'a=1\n' },
      { path: '/usr/share/link', type: 'symlink', linkTarget: target, size: 0, mode: 0o777 },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-made archives: a tiny ar and ustar writer, so the malformed cases need no dpkg.

type ArEntry = [name: string, data: string | Uint8Array];

function ar(members: ArEntry[], style: 'gnu' | 'bsd' | 'plain' = 'plain'): Uint8Array {
  const parts: Buffer[] = [Buffer.from('!<arch>\n', 'latin1')];
  for (const [name, d] of members) {
    let data = Buffer.from(d);
    let field = name;
    if (style === 'gnu') field = `${name}/`;
    if (style === 'bsd') {
      field = `#1/${name.length}`;
      data = Buffer.concat([Buffer.from(name, 'latin1'), data]);
    }
    const header = field.padEnd(16) + '0'.padEnd(12) + '0'.padEnd(6) + '0'.padEnd(6) + '100644'.padEnd(8) + String(data.length).padEnd(10) + '`\n';
    parts.push(Buffer.from(header, 'latin1'), data);
    if (data.length & 1) parts.push(Buffer.from('\n'));
  }
  return new Uint8Array(Buffer.concat(parts));
}

interface TarEntry {
  name: string;
  body?: string;
  type?: 'file' | 'directory' | 'symlink';
  linkname?: string;
  pax?: boolean;
}

function tarHeader(name: string, size: number, typeflag: string, mode: number, linkname = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 'utf8');
  h.write(mode.toString(8).padStart(7, '0'), 100);
  h.write('0000000', 108);
  h.write('0000000', 116);
  h.write(size.toString(8).padStart(11, '0'), 124);
  h.write('00000000000', 136);
  h.write('        ', 148);
  h.write(typeflag, 156);
  h.write(linkname.slice(0, 100), 157, 'utf8');
  h.write('ustar\x0000', 257, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

function padded(b: Buffer): Buffer {
  return Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return `${len}${body}`;
}

function tar(entries: TarEntry[]): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body = Buffer.from(e.body ?? '');
    if (e.pax) {
      const pax = Buffer.from(paxRecord('path', e.name) + (e.linkname ? paxRecord('linkpath', e.linkname) : ''));
      out.push(tarHeader('./PaxHeaders/x', pax.length, 'x', 0o644), padded(pax));
    }
    const flag = type === 'file' ? '0' : type === 'directory' ? '5' : '2';
    const mode = type === 'file' ? 0o644 : type === 'directory' ? 0o755 : 0o777;
    out.push(tarHeader(e.name, body.length, flag, mode, e.linkname), padded(body));
  }
  out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}

function controlTar(control = 'Package: tiny\nVersion: 1\n'): Buffer {
  return tar([{ name: './', type: 'directory' }, { name: './control', body: control }]);
}

function tinyDeb(data: Uint8Array, dataName = 'data.tar.gz', style: 'gnu' | 'bsd' | 'plain' = 'plain'): Uint8Array {
  return ar([['debian-binary', '2.0\n'], ['control.tar.gz', zlib.gzipSync(controlTar())], [dataName, data]], style);
}

async function debError(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'expected a DebError').toBeInstanceOf(DebError);
  return (e as Error).message;
}

describe('the ar container', () => {
  const data = zlib.gzipSync(tar([{ name: './etc/', type: 'directory' }, { name: './etc/odd.conf', body: 'odd\n' }]));

  it.each(['plain', 'gnu', 'bsd'] as const)('reads %s member names and odd sizes', async (style) => {
    const deb = await readDebBuffer(tinyDeb(data, 'data.tar.gz', style), 't.deb');
    expect(deb.control).toEqual({ Package: 'tiny', Version: '1' });
    expect(deb.members.map((m) => [m.path, m.type, m.text])).toEqual([
      ['/etc', 'dir', undefined],
      ['/etc/odd.conf', 'file', 'odd\n'],
    ]);
    expect(deb.controlFiles).toEqual({ control: 'Package: tiny\nVersion: 1\n' });
    expect(deb.conffiles).toEqual([]);
  });

  it('ignores members whose names start with an underscore', async () => {
    const deb = await readDebBuffer(ar([['debian-binary', '2.0\n'], ['_gpgorigin', 'sig'], ['control.tar', controlTar()], ['data.tar', tar([])]]), 't.deb');
    expect(deb.members).toEqual([]);
  });
});

describe('malformed input is a DebError that says what is wrong', () => {
  it('an empty file', async () => {
    const f = path.join(tmp, 'empty.deb');
    fs.writeFileSync(f, '');
    expect(await debError(readDeb(f))).toMatch(/^empty file/);
  });

  it('a missing file', async () => {
    expect(await debError(readDeb(path.join(tmp, 'nope.deb')))).toMatch(/cannot read: ENOENT/);
  });

  it('random bytes', async () => {
    let seed = 42;
    const bytes = new Uint8Array(4096).map(() => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff);
    expect(await debError(readDebBuffer(bytes, 'r.deb'))).toMatch(/^not an ar archive/);
  });

  it('an ar archive without a data member', async () => {
    const buf = ar([['debian-binary', '2.0\n'], ['control.tar.gz', zlib.gzipSync(controlTar())]]);
    expect(await debError(readDebBuffer(buf, 'x.deb'))).toBe('no data.tar member');
  });

  it('an ar archive without debian-binary', async () => {
    expect(await debError(readDebBuffer(ar([['hello.o', 'x']]), 'x.deb'))).toMatch(/no debian-binary member/);
    expect(await debError(readDebBuffer(ar([]), 'x.deb'))).toMatch(/empty ar archive/);
  });

  it('an unknown format version', async () => {
    const buf = ar([['debian-binary', '3.0\n'], ['control.tar', controlTar()], ['data.tar', tar([])]]);
    expect(await debError(readDebBuffer(buf, 'x.deb'))).toMatch(/unsupported \.deb format version '3\.0'/);
  });

  it('a control.tar without a control file', async () => {
    const buf = ar([['debian-binary', '2.0\n'], ['control.tar', tar([{ name: './postinst', body: '#!/bin/sh\n' }])], ['data.tar', tar([])]]);
    expect(await debError(readDebBuffer(buf, 'x.deb'))).toBe('control.tar: no control file');
  });

  it('a corrupt ar header', async () => {
    const buf = tinyDeb(zlib.gzipSync(tar([])));
    buf[8 + 58] = 0x41;
    expect(await debError(readDebBuffer(buf, 'x.deb'))).toMatch(/corrupt ar archive: bad member header at byte 8/);
  });

  it('a file cut inside an ar header', async () => {
    const buf = tinyDeb(zlib.gzipSync(tar([])));
    expect(await debError(readDebBuffer(buf.subarray(0, 8 + 30), 'x.deb'))).toMatch(/truncated ar archive/);
  });

  it.skipIf(!hasDpkgDeb)('a .deb cut in half', async () => {
    const buf = fs.readFileSync(buildDeb('xz'));
    expect(await debError(readDebBuffer(buf.subarray(0, buf.length >> 1), 'x.deb'))).toMatch(/^data\.tar\.xz: truncated \(the archive ends \d+ bytes early\)$/);
  });

  // The data member itself cut short, inside an ar archive whose sizes are right.
  it.skipIf(!hasDpkgDeb).each(COMPRESSIONS)('a truncated data.tar$ext stream', async ({ z, ext }) => {
    const name = `data.tar${ext}`;
    const member = execFileSync('ar', ['p', buildDeb(z), name]);
    const cut = member.subarray(0, Math.floor(member.length * 0.6));
    const msg = await debError(readDebBuffer(tinyDeb(cut, name), 'x.deb'));
    expect(msg).toBe(z === 'none' ? `${name}: truncated tar archive` : `${name}: truncated`);
  });

  it.skipIf(!hasDpkgDeb)('corrupt xz data, and the decoder still works afterwards', async () => {
    const file = buildDeb('xz');
    const member = Buffer.from(execFileSync('ar', ['p', file, 'data.tar.xz']));
    member[member.length >> 1] ^= 0xff;
    expect(await debError(readDebBuffer(tinyDeb(member, 'data.tar.xz'), 'x.deb'))).toMatch(/^data\.tar\.xz: corrupt xz data$/);
    const again = await Promise.race([readDeb(file), new Promise((r) => setTimeout(() => r('stalled'), 10_000))]);
    expect((again as DebPackage).control?.Package).toBe('agent');
  });

  it.skipIf(!hasDpkgDeb)('several xz packages at once', async () => {
    const file = buildDeb('xz');
    const all = await Promise.all([1, 2, 3].map(() => readDeb(file)));
    expect(all.map((d) => d.members.length)).toEqual([1, 2, 3].map(() => expectedMembers().length));
  });

  it('data that is not what its name says', async () => {
    const t = tar([]);
    expect(await debError(readDebBuffer(tinyDeb(t, 'data.tar.gz'), 'x.deb'))).toMatch(/^data\.tar\.gz: corrupt gzip data/);
    expect(await debError(readDebBuffer(tinyDeb(t, 'data.tar.xz'), 'x.deb'))).toBe('data.tar.xz: not xz data');
    expect(await debError(readDebBuffer(tinyDeb(t, 'data.tar.zst'), 'x.deb'))).toBe('data.tar.zst: not zstd data');
    expect(await debError(readDebBuffer(tinyDeb(zlib.gzipSync('not a tar archive\n'.repeat(100)), 'data.tar.gz'), 'x.deb'))).toMatch(/^data\.tar\.gz: not a valid tar archive/);
  });

  it('compressions dpkg no longer builds', async () => {
    expect(await debError(readDebBuffer(tinyDeb(Buffer.from('BZh9'), 'data.tar.bz2'), 'x.deb'))).toMatch(/^data\.tar\.bz2: bzip2 compression is not supported/);
    expect(await debError(readDebBuffer(tinyDeb(Buffer.from('x'), 'data.tar.lzma'), 'x.deb'))).toMatch(/^data\.tar\.lzma: lzma compression is not supported/);
    expect(await debError(readDebBuffer(tinyDeb(Buffer.from('x'), 'data.tar.rar'), 'x.deb'))).toBe("data.tar.rar: unknown compression '.rar'");
  });

  it('a decompression bomb', async () => {
    const bomb = zlib.gzipSync(tar([{ name: './zeros', body: '\0'.repeat(3 << 20) }]));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const msg = await debError(readDebBuffer(tinyDeb(bomb), 'bomb.deb', { maxDecompressed: 1 << 20 }));
    expect(msg).toBe('data.tar.gz: decompressed data exceeds the limit of 1 MiB (a decompression bomb, or a package too large to lint)');
    // The same package within the default limit is fine.
    expect((await readDebBuffer(tinyDeb(bomb), 'ok.deb')).members).toEqual([{ path: '/zeros', type: 'file', size: 3 << 20, mode: 0o644 }]);
  });

  it('a zstd frame asking for a huge window', async () => {
    // Magic, frame header (no single segment, window descriptor 2^30), one empty raw last block.
    const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa0, 0x01, 0x00, 0x00]);
    expect(await debError(readDebBuffer(tinyDeb(frame, 'data.tar.zst'), 'x.deb'))).toBe('data.tar.zst: zstd window of 1024 MiB is larger than the 128 MiB allowed');
  });
});

describe('control parsing', () => {
  it('joins folded fields with spaces and keeps the lines of multiline ones', () => {
    expect(parseControl('Package: a\nDepends: b,\n c\nDescription: short\n long line\n .\n more\n\nPackage: second\n')).toEqual({
      Package: 'a',
      Depends: 'b, c',
      Description: 'short\nlong line\n.\nmore',
    });
  });

  it('reads conffiles with and without flags', () => {
    expect(parseConffiles('/etc/a.conf\n\nremove-on-upgrade /etc/b.conf\n')).toEqual(['/etc/a.conf', '/etc/b.conf']);
  });
});

describe.skipIf(!hasCorpus)(`the real packages in ${CORPUS}`, () => {
  it('reads every one, with a Package field and at least one member', { timeout: 300_000 }, async () => {
    const files = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.deb')).sort();
    expect(files.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const f of files) {
      try {
        const deb = await readDeb(path.join(CORPUS, f));
        if (!deb.control.Package) problems.push(`${f}: no Package field`);
        if (!deb.members.length) problems.push(`${f}: no members`);
      } catch (e) {
        problems.push(`${f}: ${(e as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
