/** Fix hints in NixOS terms, appended to findings in .nix files. */
import { describe, expect, it } from 'vitest';
import { nixFixHint } from '../src/nix/hints.js';

describe('nixFixHint', () => {
  it('writes dependency settings as list options of the unit', () => {
    expect(nixFixHint('Add After=postgresql.service to the [Unit] section of db-migrate.service.', 'db-migrate.service')).toBe(
      'systemd.services.db-migrate.after = [ "postgresql.service" ];',
    );
  });

  it('writes start limits as the NixOS options and other settings under serviceConfig/unitConfig', () => {
    expect(nixFixHint('Add to [Unit]: StartLimitIntervalSec=300 and StartLimitBurst=5. If it must retry forever, say so with StartLimitIntervalSec=0.', 'agent.service')).toBe(
      'systemd.services.agent.startLimitIntervalSec = 300; systemd.services.agent.startLimitBurst = 5;',
    );
    expect(nixFixHint('Set RestartSec=2 (or more) in [Service].', 'web.service')).toBe('systemd.services.web.serviceConfig.RestartSec = 2;');
    expect(nixFixHint('Set TimeoutStartSec=5min.', 'a.service')).toBe('systemd.services.a.serviceConfig.TimeoutStartSec = "5min";');
  });

  it('names the unit a setting belongs to, and leaves out what is to be removed', () => {
    expect(nixFixHint('Add Wants=b.service and After=b.service to the [Unit] section of a.service.', 'x.service')).toBe(
      'systemd.services.a.wants = [ "b.service" ]; systemd.services.a.after = [ "b.service" ];',
    );
    expect(nixFixHint('Drop After=x.service in y.service.', 'y.service')).toBeUndefined();
    expect(nixFixHint('Fix the file.', 'y.service')).toBeUndefined();
  });
});
