{ config, lib, pkgs, utils, ... }:
let
  inherit (lib) concatStringsSep mapAttrs' nameValuePair mkDefault mkForce;
  instances = { alpha = 8001; beta = 8002; };
  unitFor = name: port: nameValuePair "worker-${name}" {
    description = "Worker ${name}";
    after = [ "network.target" ] ++ lib.optional config.services.redis.servers."".enable "redis.service";
    requires = lib.optionals (port > 8001) [ "worker-alpha.service" ];
    wantedBy = [ "multi-user.target" ];
    path = with pkgs; [ coreutils curl ];
    preStart = ''
      mkdir -p /run/worker-${name}
      ${pkgs.coreutils}/bin/chmod 0750 /run/worker-${name}
    '';
    serviceConfig = {
      ExecStart = concatStringsSep " " [
        "${pkgs.python3}/bin/python"
        "-m" "worker"
        "--port=${toString port}"
      ];
      Restart = mkDefault "always";
      TimeoutStartSec = "5min";
      LimitNOFILE = 65536;
      Environment = [ "PYTHONUNBUFFERED=1" "NAME=${name}" ];
    };
    unitConfig.StartLimitIntervalSec = 0;
  };
in
{
  systemd.services = mapAttrs' unitFor instances // {
    healthcheck = {
      script = "curl -fsS http://localhost:${toString instances.alpha}/health";
      serviceConfig.Type = mkForce "oneshot";
      startAt = "*:0/5";
    };
  };
  systemd.timers.cleanup = {
    timerConfig = { OnCalendar = "daily"; Persistent = true; };
    wantedBy = [ "timers.target" ];
  };
  systemd.tmpfiles.rules = [ "d /var/cache/worker 0750 root root -" ];
}
