{ config, lib, pkgs, ... }:
let
  name = "module";
  dir = "sub";
in
{
  imports = [
    ./hardware-configuration.nix
    ../common/base.nix
    ./modules/${name}.nix
    ./${dir}/default.nix
    ./a/${dir}/b/${name}c
    modules/relative.nix
    /etc/nixos/local.nix
    ~/nix/home.nix
    ~/${dir}/x
    <nixpkgs/nixos/modules/profiles/minimal.nix>
    ./.
    ../.
    ./a/b/../c/./d.nix
    ./a//b${name}
  ];
  nixpkgs = import <nixpkgs> { };
  src = builtins.fetchTarball https://github.com/NixOS/nixpkgs/archive/master.tar.gz;
  mirror = ftp://ftp.example.org/pub/file.tar.gz;
  uriWithQuery = https://example.org/a?b=c&d=e%20f;
  weird = mailto:root@example.org;
  division = 6 / 3;
  noSpaceDivision = 6/ 3;
  plusPath = a+b/c;
}
