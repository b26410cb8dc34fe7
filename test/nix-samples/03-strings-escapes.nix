{ lib, pkgs, ... }:
let
  user = "alice";
  plain = "no escapes here";
  escaped = "tab\there\nnewline \"quoted\" back\\slash \$HOME \${notInterp} \q $${literal} $ at end $";
  nested = "outer ${ "inner ${user} ${toString (1 + 2)}" } done";
  braces = "set ${ (builtins.toJSON { a = "}"; b = [ "{" ]; }) } ok";
  empty = "";
  multiLine = "line one
line two";
  unicode = "héllo wörld ✓";
  dollarBrace = "cost: $5 and $$ and ${"$"}";
in
{
  environment.variables = {
    GREETING = "hi ${user}";
    PLAIN = plain;
    ESCAPED = escaped;
    NESTED = nested;
    BRACES = braces;
    EMPTY = empty;
    MULTI = multiLine;
    UNI = unicode;
    DB = dollarBrace;
  };
}
