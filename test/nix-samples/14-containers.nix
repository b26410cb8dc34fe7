{ config, lib, pkgs, ... }:
with lib;
{
  containers = genAttrs [ "one" "two" ] (name: {
    autoStart = true;
    privateNetwork = true;
    hostAddress = "10.0.0.1";
    localAddress = "10.0.0.${if name == "one" then "2" else "3"}";
    bindMounts."/data" = { hostPath = "/srv/${name}"; isReadOnly = false; };
    config = { config, pkgs, ... }: {
      services.postgresql = {
        enable = name == "one";
        package = pkgs.postgresql_15;
        ensureDatabases = [ name ];
        authentication = mkOverride 10 ''
          local all all trust
          host  all all 127.0.0.1/32 md5
        '';
      };
      system.stateVersion = "23.11";
    };
  });
  virtualisation.oci-containers.containers.cache = {
    image = "redis:7";
    ports = [ "6379:6379" ];
    extraOptions = [ "--network=host" ];
  };
}
