{ config, lib, ... }:
let
  x = "dyn";
  merged = {
    a.b.c = 1;
    a.b.d = 2;
    a = { e = 3; };
    a.f = { g = 4; };
    a.f.h = 5;
    r = rec { s = 1; t = s + 1; };
    r.u = 3;
    p.${x} = 1;
    p.${x}.deeper = 2;
    p.static = 3;
  };
in
let
  inner.a = 1;
  inner.b = 2;
  inherit (merged) r;
  inherit x;
in
{
  inherit merged inner r x;
  sets = [ { } (rec { }) { a = { }; } ];
  lists = [ [ ] [ [ ] ] [ 1 "two" ./three { four = 4; } [ 5 ] ] ];
}
