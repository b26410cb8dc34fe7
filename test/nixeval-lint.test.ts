/** `lint({ nixEval })`: the units Nix evaluates replace the statically derived ones of that host. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { lint } from '../src/engine/lint.js';

function hasNix(): boolean {
  try {
    execFileSync('nix', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const FLAKE = `{
  outputs = { self }: {
    nixosConfigurations.web1.config.systemd = {
      units."a.service" = { text = "[Unit]\\nAfter=b.service\\n[Service]\\nExecStart=/bin/true\\n"; enable = true; wantedBy = [ "multi-user.target" ]; };
      units."b.service" = { text = "[Unit]\\nAfter=a.service\\n[Service]\\nExecStart=/bin/true\\n"; enable = true; wantedBy = [ "multi-user.target" ]; };
      units."c.service" = { text = "[Service]\\nExecStart=/bin/true\\nRestart=always\\nRestartSec=5\\n"; enable = false; wantedBy = [ ]; };
      user.units = { };
    };
  };
}
`;

describe.skipIf(!hasNix())('--nix-eval', () => {
  it('lints the units Nix evaluates, at nix-eval:HOST/UNIT locations', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-nixeval-'));
    fs.writeFileSync(path.join(dir, 'flake.nix'), FLAKE);
    const res = await lint({ paths: [dir], cwd: dir, nixEval: '.#web1' });
    const got = res.findings.map((f) => `${f.ruleId} ${f.location.file}:${f.location.line}`);
    expect(got).toEqual(['ordering-cycle nix-eval:web1/b.service:2']);
    // c.service is disabled (masked): its restart loop never runs.
    expect(fs.existsSync(path.join(dir, 'flake.lock'))).toBe(false);
  }, 60_000);

  it('fails the run (not a finding) when the host does not exist', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-nixeval-'));
    fs.writeFileSync(path.join(dir, 'flake.nix'), FLAKE);
    await expect(lint({ paths: [dir], cwd: dir, nixEval: '.#nohost' })).rejects.toThrow(/nohost/);
    await expect(lint({ paths: [dir], cwd: dir, nixEval: 'web1' })).rejects.toThrow(/#HOST/);
  }, 60_000);
});
