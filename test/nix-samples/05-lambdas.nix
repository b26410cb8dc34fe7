{ config, lib, pkgs, ... }@args:
let
  id = x: x;
  curried = a: b: c: a + b + c;
  withDefaults = { port ? 80, host ? "localhost", tls ? false, ... }: "${host}:${toString port}";
  boundAfter = { name, value ? null, ... } @ attrs: attrs // { inherit name value; };
  boundBefore = attrs @ { enable, ... }: attrs.enable;
  emptyPattern = { }: 42;
  onlyEllipsis = { ... }: 0;
  trailingComma = { a, b, }: a + b;
  nestedDefault = { f ? (x: x + 1), g ? { h = 1; }.h }: f g;
  higher = f: list: map f list;
in
{
  result = [
    (id 1)
    (curried 1 2 3)
    (withDefaults { })
    (withDefaults { port = 443; tls = true; })
    (boundAfter { name = "n"; })
    (boundBefore { enable = true; })
    (emptyPattern { })
    (onlyEllipsis { x = 1; })
    (trailingComma { a = 1; b = 2; })
    (nestedDefault { })
    (higher (x: x * x) [ 1 2 3 ])
  ];
  fromArgs = args.config;
}
