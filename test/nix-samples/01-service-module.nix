# A typical NixOS service module: options, config, mkIf, systemd unit.
{ config, lib, pkgs, ... }:

with lib;

let
  cfg = config.services.myapp;
  settingsFormat = pkgs.formats.toml { };
  configFile = settingsFormat.generate "myapp.toml" cfg.settings;
in
{
  options.services.myapp = {
    enable = mkEnableOption "the myapp daemon";

    package = mkOption {
      type = types.package;
      default = pkgs.myapp;
      defaultText = literalExpression "pkgs.myapp";
      description = "The myapp package to use.";
    };

    port = mkOption {
      type = types.port;
      default = 8080;
      description = ''
        TCP port the daemon listens on.
        Must not collide with ${toString config.services.nginx.defaultHTTPListenPort}.
      '';
    };

    settings = mkOption {
      type = settingsFormat.type;
      default = { };
    };
  };

  config = mkIf cfg.enable {
    users.users.myapp = {
      isSystemUser = true;
      group = "myapp";
      home = "/var/lib/myapp";
    };
    users.groups.myapp = { };

    systemd.services.myapp = {
      description = "myapp daemon";
      after = [ "network-online.target" "postgresql.service" ];
      wants = [ "network-online.target" ];
      wantedBy = [ "multi-user.target" ];
      environment.MYAPP_PORT = toString cfg.port;
      serviceConfig = {
        ExecStart = "${cfg.package}/bin/myapp --config ${configFile}";
        Restart = "on-failure";
        RestartSec = 5;
        User = "myapp";
        StateDirectory = "myapp";
        DynamicUser = false;
      };
    };

    networking.firewall.allowedTCPPorts = optional (cfg.port != 80) cfg.port;
  };
}
