{ config, lib, pkgs, ... }:
with lib;
let
  a = 1; b = 2; c = 3; xs = [ 1 2 ]; ys = [ 3 ];
  arith = a + b * c - a / b - -c;
  neg = -a;
  negLit = -1;
  negFloat = -2.5;
  negSelect = -config.x.y;
  negApp = -f a;
  lists = xs ++ ys ++ [ 4 ] ++ map (x: x * 2) xs;
  updates = { x = 1; } // { y = 2; } // config.extra or { };
  cmp = [ (a < b) (a <= b) (a > b) (a >= b) (a == b) (a != b) ];
  logic = a == 1 && b == 2 || !(c == 3) -> false;
  implChain = true -> false -> true;
  notPlus = !config.flag + 1;
  notEq = !config.flag == false;
  hasAttrs = config ? services.nginx && !(config ? "quoted name") || config.a ? b;
  hasThenConcat = config ? x ++ [ ];
  mixed = 1 + 2 * 3 ++ [ 4 ] // { } == { } && true || false -> true;
  strConcat = "a" + "b" + toString a;
  pathConcat = ./. + "/sub";
  f = x: x;
in
{
  inherit arith neg negLit negFloat negSelect negApp lists updates cmp logic implChain notPlus notEq hasAttrs hasThenConcat mixed strConcat pathConcat;
}
