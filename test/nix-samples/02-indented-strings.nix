{ config, lib, pkgs, ... }:
let
  name = "world";
  # Tricky indentation: the minimum is taken over non-blank lines only.
  script = ''
    set -euo pipefail

      indented more
    echo "hello ${name}"
	tab-started line counts as indent 0? no: tabs are not spaces
    last
  '';
  noStrip = ''first line kept
    second line
  '';
  escapes = ''
    dollar: ''${not_interpolated} and $HOME and $${literal}
    quotes: ''' and a single ' quote
    escaped newline: ''\n tab: ''\t cr: ''\r other: ''\x
    '';
  interpolatedIndent = ''
      ${name} at start
    shallower
  '';
  trailing = ''
    text
      '';
  spacesFirstLine = ''   
    after a first line of spaces
  '';
  empty = '''';
  onlyInterp = ''${name}'';
  escapedSpaces = ''
  ''\ leading escaped space
    deeper
  '';
  blankLines = ''


    a


    b

  '';
in
{
  environment.etc."motd".text = script + noStrip + escapes + interpolatedIndent + trailing
    + spacesFirstLine + empty + onlyInterp + escapedSpaces + blankLines;
}
