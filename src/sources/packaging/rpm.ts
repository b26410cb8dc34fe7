/**
 * RPM .spec files: the %post scriptlet (run with $1 = 1 on a fresh install, 2 on an upgrade), what
 * %files ships, and the unit files the package installs. Macros are expanded where their value is
 * standard (%{name}, %{_unitdir}, %{_sysconfdir}, …); the systemd scriptlet macros are replaced by
 * what they do: %systemd_post enables a unit by preset (it never starts it), %systemd_postun_with_restart
 * try-restarts (only a running unit). Lines keep their numbers, so positions stay the spec's.
 */
import path from 'node:path';
import type { Location } from '../../types.js';
import { readTextFile } from '../discover.js';
import type { Package } from './model.js';

const SECTIONS = /^%(package|description|prep|build|install|check|clean|files|changelog|pre|post|preun|postun|pretrans|posttrans|preuntrans|postuntrans|triggerin|triggerun|triggerpostun|triggerprein|filetriggerin|filetriggerun|filetriggerpostun|transfiletriggerin|transfiletriggerun|transfiletriggerpostun|verifyscript|sourcelist|patchlist|generate_buildrequires|conf)\b(.*)$/;

const STANDARD: Record<string, string> = {
  _prefix: '/usr', _exec_prefix: '/usr', _bindir: '/usr/bin', _sbindir: '/usr/sbin', _libexecdir: '/usr/libexec',
  _datadir: '/usr/share', _sysconfdir: '/etc', _sharedstatedir: '/var/lib', _localstatedir: '/var', _libdir: '/usr/lib64',
  _includedir: '/usr/include', _mandir: '/usr/share/man', _docdir: '/usr/share/doc', _rundir: '/run', _tmpfilesdir: '/usr/lib/tmpfiles.d',
  _unitdir: '/usr/lib/systemd/system', _userunitdir: '/usr/lib/systemd/user', _presetdir: '/usr/lib/systemd/system-preset',
  _sysusersdir: '/usr/lib/sysusers.d', _initddir: '/etc/rc.d/init.d', _initrddir: '/etc/rc.d/init.d', _var: '/var', _usr: '/usr',
};

export function isSpecPath(p: string): boolean {
  return p.endsWith('.spec');
}

function loc(file: string, line = 1): Location {
  return { file, line, column: 1, endLine: line, endColumn: 1 };
}

export function loadSpec(file: string): Package | undefined {
  const r = readTextFile(file);
  if (!r.ok) return undefined;
  const lines = r.text.split('\n');
  const macros: Record<string, string> = { ...STANDARD };
  for (const l of lines) {
    const d = /^%(?:define|global)\s+(\w+)\s+(.*)$/.exec(l.trim());
    if (d) macros[d[1]] = d[2].trim();
    const t = /^(Name|Version|Release)\s*:\s*(\S+)/i.exec(l);
    if (t) macros[t[1].toLowerCase()] ??= t[2];
  }
  const expand = (s: string, depth = 0): string =>
    depth > 8
      ? s
      : s.replace(/%\{\??!?(\w+)(?::[^}]*)?\}|%(\w+)/g, (m, a: string | undefined, b: string | undefined) => {
          const k = (a ?? b)!;
          if (macros[k] !== undefined) return expand(macros[k], depth + 1);
          return a !== undefined && m.startsWith('%{?') ? '' : m;
        });
  const name = expand(macros.name ?? path.basename(file, '.spec'));
  const p: Package = { name, format: 'rpm', at: loc(file), units: new Set(), shipped: new Map(), shippedDirs: [], shippedKnown: true };
  // Sections: the main package's %post and %files (subpackages' sections are read too: one package per spec).
  let section: string | undefined;
  let sectionArgs = '';
  let postStart = -1;
  const post: string[] = [];
  lines.forEach((raw, i) => {
    const m = SECTIONS.exec(raw);
    if (m) {
      section = m[1];
      sectionArgs = m[2];
      if (section === 'post' && postStart < 0 && !/\s-p\s/.test(` ${sectionArgs} `)) postStart = i;
      post.push('');
      return;
    }
    const line = raw.trimStart();
    if (section === 'post' && postStart >= 0 && !/\s-p\s/.test(` ${sectionArgs} `)) {
      post.push(scriptletLine(line, expand));
      return;
    }
    post.push('');
    if (section === 'files') {
      const f = /^(?:%(?:config|attr|verify|ghost|caps)(?:\([^)]*\))?\s+)*(\/\S+|%\{?\w+\}?\S*)\s*$/.exec(line.replace(/%(?:config|attr|verify|caps)\([^)]*\)\s*/g, ''));
      if (!f || /^%(doc|license|dir|exclude)\b/.test(line)) return;
      const host = expand(f[1]);
      if (!host.startsWith('/')) return;
      if (/[*?[]/.test(host)) p.shippedDirs.push(path.posix.dirname(host));
      else p.shipped.set(host, '');
      const u = /^\/(?:usr\/)?lib\/systemd\/system\/([^/]+)$/.exec(host);
      if (u && !/[*?[]/.test(u[1])) p.units.add(u[1]);
    }
  });
  // Source files beside the spec that are unit files belong to the package too.
  for (const l of lines) {
    const s = /^Source\d*\s*:\s*(\S+)/i.exec(l);
    if (!s) continue;
    const b = path.basename(expand(s[1]));
    if (/\.(service|socket|target|timer|path|mount)$/.test(b)) p.units.add(b);
  }
  if (postStart >= 0) p.postinst = { kind: '%post', file, text: post.join('\n'), lineOffset: 0 };
  return p;
}

/** One scriptlet line with its macros expanded (same line count). */
function scriptletLine(line: string, expand: (s: string) => string): string {
  const m = /^%\{?(systemd_post|systemd_preun|systemd_postun_with_restart|systemd_postun|systemd_user_post|systemd_user_preun|systemd_user_postun|systemd_user_postun_with_restart)\}?\s*(.*)$/.exec(line);
  if (m) {
    const units = expand(m[2]).trim();
    // What the macro does on this transaction, as a command the walk understands.
    if (m[1] === 'systemd_post') return `systemctl --no-reload preset ${units} || :`;
    if (m[1] === 'systemd_postun_with_restart') return `systemctl try-restart ${units} || :`;
    return ':';
  }
  if (/^%(if|else|endif|elif)\b/.test(line)) return ':';
  return expand(line);
}
