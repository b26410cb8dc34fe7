# Header comment
/* A block comment
 * spanning lines, with "quotes" and ${not interpolation} */
{ config, lib, ... }: # trailing comment
{
  /* inline */ a = 1; # after a binding
  b = /* between */ 2;
  # comment with a # inside and a /* not-a-block
  c = "string with # not a comment and /* not a comment */";
  d = ''
    # not a comment in an indented string
  '';
  e = [ 1 /* in a list */ 2 ];
  /**/
  /***/
  f = 3; /* stars ** inside */
}
