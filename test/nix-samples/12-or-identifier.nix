{ lib, ... }:
let
  or = a: b: a || b;
  fold = f: init: list: builtins.foldl' f init list;
  values = [ true false ];
  id = x: x;
in
{
  # `or` as a function name: Nix keeps this for compatibility
  any = fold or false values;
  # `[ or ]` is a syntax error, but `id or` is a call with the variable `or` as argument
  applied = map (f: f true false) [ (id or) ];
  selectOr = { a = 1; }.b or 2;
  selectOrChain = { }.a.b or { }.c or 3;
  orAttr = { or = 5; }.or;
  inherit or;
}
