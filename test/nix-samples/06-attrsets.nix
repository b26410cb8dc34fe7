{ config, lib, pkgs, ... }:
let
  key = "dynamic";
  base = { a = 1; b = { c = 2; }; };
in
rec {
  # dotted paths are merged into nested sets, like Nix does
  services.nginx.enable = true;
  services.nginx.virtualHosts."example.org" = {
    forceSSL = true;
    locations."/".proxyPass = "http://127.0.0.1:8080";
    locations."/api" = { proxyPass = "http://127.0.0.1:9090"; };
  };
  services.openssh = { enable = true; };
  services.openssh.settings.PasswordAuthentication = false;

  "quoted key" = 1;
  "if" = "keyword as a quoted key";
  "" = "empty key";
  "123abc" = "starts with digits";
  a-b = "dash";
  x' = "prime";
  _under = "underscore";
  or = "the or keyword as a name";
  ${key} = "dynamic key";
  "${key}-suffix" = "interpolated key";
  ${"static"} = "static dynamic";
  nested.${key}.leaf = 1;

  inherit (base) a;
  inherit (base.b) c;
  inherit key;
  inherit (lib) mkIf "mkDefault";
  inherit "base";

  selfRef = a + c;
  selected = base.b.c;
  selectedOr = base.missing or 0;
  selectedDyn = base.${"a"};
  selectedQuoted = base."b".c;
  selectedChain = config.services.nginx.virtualHosts."example.org".root or null;
  orAsAttr = { or = 1; }.or;
}
