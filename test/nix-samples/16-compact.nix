{config,lib,pkgs,...}:with lib;let a=1;b=[1 2];c={x=a;};in{d=a+1;e=b++[3];f=c.x;g=c//{y=2;};h=if a==1 then"one"else"other";i=x:x;j={p?1}:p;k=!true;l=-a;m=a-1;n=a*2/1;o=c?x;q=assert true;a;r=with c;x;s=''
  tight
'';t="${toString a}";}
