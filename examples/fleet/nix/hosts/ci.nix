{ config, lib, pkgs, ... }:
let
  dashboardPort = 8443;
in
{
  # nginx answers ci.example.net from the dashboard's port.
  services.nginx = {
    enable = true;
    virtualHosts."ci.example.net" = {
      forceSSL = true;
      locations."/".proxyPass = "http://127.0.0.1:${toString dashboardPort}";
    };
  };

  # The proxy's start job waits until ci.example.net answers…
  systemd.services.deploy-proxy = {
    wantedBy = [ "multi-user.target" ];
    wants = [ "network-online.target" ];
    after = [ "network-online.target" "nginx.service" ];
    serviceConfig = {
      Type = "oneshot";
      RemainAfterExit = true;
      TimeoutStartSec = 900;
      ExecStart = "${pkgs.deploy-proxy}/bin/deploy-proxy";
    };
    postStart = ''
      until ${pkgs.curl}/bin/curl -fsS https://ci.example.net/healthz; do
        sleep 5
      done
    '';
  };

  # …but the dashboard behind it is ordered after the proxy: boot stalls for 15 minutes.
  systemd.services.deploy-dashboard = {
    wantedBy = [ "multi-user.target" ];
    after = [ "deploy-proxy.service" ];
    serviceConfig.ExecStart = "${pkgs.deploy-dashboard}/bin/dashboard --listen 127.0.0.1:${toString dashboardPort}";
  };

  systemd.services.metrics-agent = {
    wantedBy = [ "multi-user.target" ];
    after = [ "networking.target" ];
    serviceConfig = {
      ExecStart = "${pkgs.prometheus-node-exporter}/bin/node_exporter";
      Restart = "on-failure";
      RestartSec = 5;
    };
  };
}
