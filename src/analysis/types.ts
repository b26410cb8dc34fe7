/**
 * Resources a unit provides and waits on — the vocabulary of the health-gate analysis.
 */

export type Resource =
  /** A TCP or UDP listener. `host` is the address as written ('' or '0.0.0.0' or '::' = every local address;
   * 'localhost', '127.0.0.1', '::1' = loopback; anything else = that address or host name). */
  | { kind: 'port'; proto: 'tcp' | 'udp'; host: string; port: number }
  /** A unix socket path (abstract sockets start with '@'). */
  | { kind: 'unix'; path: string }
  /** A virtual host answered by a (reverse-proxy) unit, or probed by URL: name is lower-case, without port. */
  | { kind: 'host'; name: string; port: number; scheme: string }
  /** Another unit's state (systemctl is-active X, systemctl start X). */
  | { kind: 'unit'; name: string }
  /** A file or folder (test -e/-f/-S/-d). */
  | { kind: 'file'; path: string };

/** A position inside an analysed text (a script or one Exec command line), 1-based. */
export interface TextPos {
  line: number;
  column: number;
}

/** One wait found in a start-path command. */
export interface Wait {
  resource: Resource;
  /** The probe, in words: "curl", "nc -z", "wget", "systemctl start", "test -S", "pg_isready", … */
  probe: string;
  /** False when nothing bounds it: a loop with no iteration limit and no timeout around it. */
  bounded: boolean;
  /** How it is bounded, in words ("30 iterations", "timeout 60", "--retry 5"), or why not. */
  bound: string;
  /** True when the probe is retried (a loop, --retry, wait-for-it, …); a single probe fails fast. */
  retried: boolean;
  /** Where the probe is, relative to the analysed text. */
  pos: TextPos;
  /** The probe command as written. */
  text: string;
}

/** A command that reaches a host over the network (curl/wget URL, git clone/fetch/pull, apt-get, pip, …). */
export interface NetworkUse {
  /** The host, when the command names one ('' when implicit, e.g. apt-get update). */
  host: string;
  command: string;
  pos: TextPos;
}
