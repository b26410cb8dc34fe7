/**
 * Reads Debian binary packages (.deb) directly, without dpkg: the ar container (own code, below),
 * control.tar and data.tar in any compression dpkg builds (gzip through node:zlib, xz through the
 * `xz-decompress` WebAssembly decoder, zstd through `fzstd`, or none) and the tar members through
 * `tar-stream`. The libraries are imported on first use, so a run without .deb files never loads
 * them. Every problem with the input is a DebError whose message says what is wrong ("not an ar
 * archive", "data.tar.zst: truncated"); the decompressed data of one package is capped (see
 * MAX_DECOMPRESSED) so that a decompression bomb fails instead of exhausting memory.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseControl } from './control.js';

export { parseControl };

export interface DebMember {
  /** Absolute and normalised: '/etc/foo/foo.conf', '/lib/systemd/system/foo.service' ('/' is the root). */
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  /** A symlink's target as written; a hardlink's target as an absolute, normalised path. */
  linkTarget?: string;
  size: number;
  /** Permission bits (0o7777). */
  mode: number;
  /** UTF-8 text of regular files up to 512 KiB without NUL bytes; undefined otherwise. */
  text?: string;
}

export interface DebPackage {
  file: string;
  /** Parsed DEBIAN/control fields (Package, Version, Architecture, Depends, …), continuation lines joined. */
  control: Record<string, string>;
  /** Every text member of control.tar by name: control, preinst, postinst, prerm, postrm, config, conffiles, triggers, md5sums … */
  controlFiles: Record<string, string>;
  conffiles: string[];
  members: DebMember[];
}

export class DebError extends Error {
  override name = 'DebError';
}

export interface ReadDebOptions {
  /** Cap on the decompressed bytes of one package (control.tar plus data.tar); default MAX_DECOMPRESSED. */
  maxDecompressed?: number;
}

/** Default cap on the decompressed size of one package. */
export const MAX_DECOMPRESSED = 512 * 1024 * 1024;
/** Regular files up to this size keep their text. */
export const MAX_TEXT = 512 * 1024;
/** Largest zstd window accepted (zstd's own default decoder limit, 2^27). */
const MAX_ZSTD_WINDOW = 1 << 27;

export async function readDeb(file: string, options?: ReadDebOptions): Promise<DebPackage> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (e) {
    throw new DebError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return readDebBuffer(buf, file, options);
}

export async function readDebBuffer(buf: Uint8Array, file: string, options?: ReadDebOptions): Promise<DebPackage> {
  const budget = { left: options?.maxDecompressed ?? MAX_DECOMPRESSED, limit: options?.maxDecompressed ?? MAX_DECOMPRESSED };
  const ar = readAr(buf);
  const binary = ar.find((m) => m.name === 'debian-binary');
  if (!binary) throw new DebError(ar.length ? 'not a Debian package: no debian-binary member' : 'empty ar archive: no debian-binary member');
  const version = new TextDecoder().decode(binary.data).trim();
  if (!/^2\.\d+$/.test(version)) throw new DebError(`unsupported .deb format version '${version.slice(0, 20)}' (only 2.x is known)`);
  const controlMember = ar.find((m) => /^control\.tar(\.|$)/.test(m.name));
  if (!controlMember) throw new DebError('no control.tar member');
  const dataMember = ar.find((m) => /^data\.tar(\.|$)/.test(m.name));
  if (!dataMember) throw new DebError('no data.tar member');

  const controlFiles: Record<string, string> = {};
  await readTar(controlMember, budget, (m, text) => {
    if (m.type !== 'file' || text === undefined || m.path === '/') return;
    controlFiles[m.path.slice(1)] = text;
  }, Infinity);
  const controlText = controlFiles.control;
  if (controlText === undefined) throw new DebError(`${controlMember.name}: no control file`);

  const members: DebMember[] = [];
  await readTar(dataMember, budget, (m) => members.push(m), MAX_TEXT);

  return {
    file,
    control: parseControl(controlText),
    controlFiles,
    conffiles: parseConffiles(controlFiles.conffiles ?? ''),
    members,
  };
}

// ---------------------------------------------------------------------------------------------
// ar: "!<arch>\n", then members of a 60-byte header (name 16, mtime 12, uid 6, gid 6, mode 8,
// size 10, "`\n") and data padded to an even size. GNU names end in '/' and may point into the
// '//' name table ('/123'); BSD names '#1/N' put N bytes of name in front of the data.

interface ArMember {
  name: string;
  data: Uint8Array;
}

function readAr(buf: Uint8Array): ArMember[] {
  if (buf.length === 0) throw new DebError('empty file (not an ar archive)');
  const magic = latin1(buf, 0, 8);
  if (magic === '!<thin>\n') throw new DebError('thin ar archive (members are not inside the file)');
  if (magic !== '!<arch>\n') throw new DebError('not an ar archive (a .deb starts with "!<arch>")');
  const out: ArMember[] = [];
  let names: string | undefined;
  let at = 8;
  while (at < buf.length) {
    if (buf[at] === 0x0a && at + 1 === buf.length) break; // stray padding at the end
    if (at + 60 > buf.length) throw new DebError(`truncated ar archive: incomplete member header at byte ${at}`);
    const rawName = latin1(buf, at, 16).trimEnd();
    const sizeText = latin1(buf, at + 48, 10).trim();
    if (buf[at + 58] !== 0x60 || buf[at + 59] !== 0x0a || !/^\d+$/.test(sizeText)) {
      throw new DebError(`corrupt ar archive: bad member header at byte ${at}`);
    }
    const size = Number(sizeText);
    let start = at + 60;
    let name = rawName;
    let dataSize = size;
    const bsd = /^#1\/(\d+)$/.exec(rawName);
    if (bsd) {
      const n = Number(bsd[1]);
      if (n > size) throw new DebError(`corrupt ar archive: bad member header at byte ${at}`);
      name = latin1(buf, start, Math.min(n, buf.length - start)).replace(/\0+$/, '');
      start += n;
      dataSize -= n;
    } else if (/^\/\d+$/.test(rawName) && names !== undefined) {
      const off = Number(rawName.slice(1));
      const end = names.indexOf('/\n', off);
      name = names.slice(off, end < 0 ? undefined : end);
    } else if (rawName !== '/' && rawName !== '//' && rawName.endsWith('/')) {
      name = rawName.slice(0, -1);
    }
    const available = buf.length - start;
    if (dataSize > available) {
      throw new DebError(`${name || 'ar member'}: truncated (the archive ends ${dataSize - Math.max(available, 0)} bytes early)`);
    }
    const data = buf.subarray(start, start + dataSize);
    if (rawName === '//') names = latin1(data, 0, data.length);
    else if (rawName !== '/' && rawName !== '/SYM64/' && !name.startsWith('_')) out.push({ name, data });
    at = at + 60 + size + (size & 1);
  }
  return out;
}

function latin1(buf: Uint8Array, start: number, len: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + start, Math.max(0, Math.min(len, buf.length - start))).toString('latin1');
}

// ---------------------------------------------------------------------------------------------
// Decompression: each decoder yields chunks; the shared budget stops a bomb.

interface Budget {
  left: number;
  limit: number;
}

type Chunks = AsyncGenerator<Uint8Array, void, undefined>;

function decompress(member: ArMember, budget: Budget): Chunks {
  const ext = member.name.replace(/^(control|data)\.tar\.?/, '');
  let source: Chunks;
  switch (ext) {
    case '':
      source = plain(member.data);
      break;
    case 'gz':
      source = gunzip(member.data);
      break;
    case 'xz':
      source = unxz(member.data);
      break;
    case 'zst':
      source = unzstd(member.data);
      break;
    case 'bz2':
    case 'lzma':
      throw new DebError(`${member.name}: ${ext === 'bz2' ? 'bzip2' : 'lzma'} compression is not supported (dpkg builds gzip, xz, zstd or none)`);
    default:
      throw new DebError(`${member.name}: unknown compression '.${ext}'`);
  }
  return metered(source, member.name, budget);
}

async function* metered(source: Chunks, name: string, budget: Budget): Chunks {
  for await (const chunk of source) {
    budget.left -= chunk.length;
    if (budget.left < 0) {
      throw new DebError(`${name}: decompressed data exceeds the limit of ${formatSize(budget.limit)} (a decompression bomb, or a package too large to lint)`);
    }
    yield chunk;
  }
}

function formatSize(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / 1024 / 1024} MiB` : `${n} bytes`;
}

async function* plain(data: Uint8Array): Chunks {
  for (let i = 0; i < data.length; i += 1 << 20) yield data.subarray(i, i + (1 << 20));
}

async function* gunzip(data: Uint8Array): Chunks {
  const zlib = await import('node:zlib');
  const stream = zlib.createGunzip({ chunkSize: 1 << 16 });
  stream.end(data);
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'Z_BUF_ERROR') throw new Decode('truncated');
    throw new Decode(`corrupt gzip data (${err.message})`);
  } finally {
    stream.destroy();
  }
}

/** Error codes of xz-embedded (xz.h), as the WebAssembly build reports them. */
const XZ_ERRORS: Record<string, string> = {
  '2': 'unsupported integrity check',
  '3': 'out of memory',
  '4': 'dictionary larger than the decoder allows',
  '5': 'not xz data',
  '6': 'unsupported xz options (filter or format version)',
  '7': 'corrupt xz data',
  '8': 'truncated',
};

async function* unxz(data: Uint8Array): Chunks {
  const mod = (await import('xz-decompress')) as typeof import('xz-decompress') & { default?: typeof import('xz-decompress') };
  const XzReadableStream = mod.XzReadableStream ?? mod.default!.XzReadableStream;
  let given = false;
  const input = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!given) {
        given = true;
        controller.enqueue(data);
      } else controller.close();
    },
  });
  const reader = new XzReadableStream(input).getReader();
  let done = false;
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        done = true; // an errored stream has released its decoder
        const code = /error code (\d+)/.exec((e as Error).message)?.[1];
        if (code === undefined && /null|undefined/.test((e as Error).message)) throw new Decode('truncated');
        throw new Decode(code !== undefined ? (XZ_ERRORS[code] ?? `xz decoder error ${code}`) : `xz decoder: ${(e as Error).message}`);
      }
      if (r.done) {
        done = true;
        return;
      }
      if (r.value.length) yield r.value;
    }
  } finally {
    // The decoder serialises its instances with a lock that only a finished or cancelled stream
    // releases: an abandoned one would stall every later .deb.
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

async function* unzstd(data: Uint8Array): Chunks {
  const problem = checkZstdFrames(data);
  if (problem) throw new Decode(problem);
  const { Decompress } = await import('fzstd');
  let out: Uint8Array[] = [];
  const dec = new Decompress((chunk) => {
    if (chunk.length) out.push(chunk);
  });
  const step = 1 << 18;
  for (let i = 0; i < data.length || i === 0; i += step) {
    const last = i + step >= data.length;
    try {
      dec.push(data.subarray(i, i + step), last);
    } catch (e) {
      const code = (e as { code?: number }).code;
      if (code === 5) throw new Decode('truncated');
      throw new Decode(`corrupt zstd data (${(e as Error).message})`);
    }
    const ready = out;
    out = [];
    for (const c of ready) yield c;
    if (last) break;
  }
}

/**
 * Walks the zstd frames and block headers without decoding: rejects windows larger than zstd's
 * default limit (fzstd would allocate them up front) and reports truncation early and plainly.
 */
function checkZstdFrames(d: Uint8Array): string | undefined {
  let at = 0;
  if (d.length === 0) return 'empty zstd data';
  while (at < d.length) {
    if (at + 4 > d.length) return 'truncated';
    const magic = (d[at] | (d[at + 1] << 8) | (d[at + 2] << 16) | (d[at + 3] << 24)) >>> 0;
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      if (at + 8 > d.length) return 'truncated';
      at += 8 + ((d[at + 4] | (d[at + 5] << 8) | (d[at + 6] << 16) | (d[at + 7] << 24)) >>> 0);
      continue;
    }
    if (magic !== 0xfd2fb528) return at === 0 ? 'not zstd data' : 'corrupt zstd data (bad frame magic)';
    if (at + 5 > d.length) return 'truncated';
    const fhd = d[at + 4];
    const singleSegment = (fhd >> 5) & 1;
    const fcsFlag = fhd >> 6;
    const dictFlag = fhd & 3;
    const hasChecksum = (fhd >> 2) & 1;
    let p = at + 5;
    let window = 0;
    if (!singleSegment) {
      if (p >= d.length) return 'truncated';
      const wd = d[p++];
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    p += [0, 1, 2, 4][dictFlag];
    const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
    if (p + fcsBytes > d.length) return 'truncated';
    if (singleSegment) {
      let fcs = 0;
      for (let i = fcsBytes - 1; i >= 0; i--) fcs = fcs * 256 + d[p + i];
      if (fcsBytes === 2) fcs += 256;
      window = fcs;
    }
    p += fcsBytes;
    if (dictFlag) return 'zstd frame needs a dictionary';
    if (window > MAX_ZSTD_WINDOW) return `zstd window of ${Math.ceil(window / 1048576)} MiB is larger than the ${MAX_ZSTD_WINDOW / 1048576} MiB allowed`;
    for (;;) {
      if (p + 3 > d.length) return 'truncated';
      const bh = d[p] | (d[p + 1] << 8) | (d[p + 2] << 16);
      const type = (bh >> 1) & 3;
      const size = bh >>> 3;
      if (type === 3) return 'corrupt zstd data (reserved block type)';
      p += 3 + (type === 1 ? 1 : size);
      if (p > d.length) return 'truncated';
      if (bh & 1) break;
    }
    p += hasChecksum ? 4 : 0;
    if (p > d.length) return 'truncated';
    at = p;
  }
  return undefined;
}

/** A decoder's problem, prefixed with the member name by readTar. */
class Decode extends Error {}

// ---------------------------------------------------------------------------------------------
// tar

type Extract = import('tar-stream').Extract;

async function readTar(member: ArMember, budget: Budget, onMember: (m: DebMember, text: string | undefined) => void, maxText: number): Promise<void> {
  const chunks = decompress(member, budget);
  const tar = await import('tar-stream');
  const extract: Extract = (tar.extract ?? (tar as unknown as { default: typeof tar }).default.extract)({ allowUnknownFormat: true } as never);
  let failure: unknown;
  const feeding = feed(chunks, extract).catch((e: unknown) => {
    failure ??= e;
    extract.destroy(e as Error);
  });
  const decoder = new TextDecoder('utf-8');
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const type = h.type === 'file' || h.type === 'contiguous-file' ? 'file' : h.type === 'directory' ? 'dir' : h.type === 'symlink' ? 'symlink' : h.type === 'link' ? 'hardlink' : 'other';
      const m: DebMember = { path: normalise(h.name), type, size: h.size ?? 0, mode: (h.mode ?? 0) & 0o7777 };
      if (type === 'symlink') m.linkTarget = h.linkname ?? '';
      else if (type === 'hardlink') m.linkTarget = normalise(h.linkname ?? '');
      let text: string | undefined;
      if (type === 'file' && m.size <= maxText) {
        const parts: Uint8Array[] = [];
        for await (const c of entry) parts.push(c as Uint8Array);
        const bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
        if (bytes.indexOf(0) < 0) text = decoder.decode(bytes);
      } else {
        entry.resume();
      }
      if (text !== undefined) m.text = text;
      onMember(m, text);
    }
  } catch (e) {
    failure ??= e;
    extract.destroy(e as Error);
  } finally {
    stopped.add(extract);
    await feeding;
  }
  if (failure !== undefined) throw asDebError(member.name, failure);
}

const stopped = new WeakSet<Extract>();

async function feed(chunks: Chunks, extract: Extract): Promise<void> {
  for await (const chunk of chunks) {
    if (stopped.has(extract) || extract.destroyed) return; // leaving the loop closes the decoder
    if (!extract.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          extract.off('drain', done);
          extract.off('close', done);
          resolve();
        };
        extract.on('drain', done);
        extract.on('close', done);
      });
    }
  }
  if (!extract.destroyed) extract.end(undefined);
}

function asDebError(name: string, e: unknown): DebError {
  if (e instanceof DebError) return e;
  const msg = (e as Error)?.message ?? String(e);
  if (e instanceof Decode) return new DebError(`${name}: ${msg}`);
  if (/Unexpected end of data/i.test(msg)) return new DebError(`${name}: truncated tar archive`);
  if (/Invalid tar header|Invalid header/i.test(msg)) return new DebError(`${name}: not a valid tar archive (${msg.replace(/\.? Maybe.*$/, '')})`);
  return new DebError(`${name}: ${msg}`);
}

/** './etc/foo/' → '/etc/foo'; '.' and './' → '/'. */
function normalise(name: string): string {
  const p = path.posix.normalize(`/${name}`);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

// ---------------------------------------------------------------------------------------------
// control

/** DEBIAN/conffiles: one path a line, optionally after flags ('remove-on-upgrade /etc/foo'). */
export function parseConffiles(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    const slash = t.indexOf('/');
    if (slash < 0) continue;
    out.push(t.slice(slash));
  }
  return out;
}
