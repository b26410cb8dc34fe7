{ config, lib, pkgs, ... }:
let
  inherit (lib) mkIf mkMerge optionalString;
  cfg = config.services.backup;
  hosts = [ "a" "b" ];
  retries = 3;
in
assert cfg.enable -> cfg.target != null;
assert builtins.isList hosts;
with lib;
mkMerge [
  (mkIf cfg.enable {
    systemd.services.backup = {
      script = ''
        ${optionalString (retries > 0) "for i in $(seq ${toString retries}); do"}
          restic backup /data && break
        ${optionalString (retries > 0) "done"}
      '';
      serviceConfig.Type = if cfg.oneshot then "oneshot" else if cfg.notify then "notify" else "simple";
      startAt = if cfg ? schedule then cfg.schedule else "daily";
    };
  })
  (let
    legacy = let { x = 1; body = x + 1; };
  in {
    environment.variables.LEGACY = toString legacy;
  })
  (with pkgs; {
    environment.systemPackages = [ restic rclone (if cfg.enable then jq else hello) ];
  })
]
