/** Shared by the fixture tests and the registry test. */
import fs from 'node:fs';
import path from 'node:path';

export interface Expected {
  rule: string;
  severity: string;
  file: string;
  line: number;
  unit?: string | null;
  message?: string[];
  related?: number;
}

export interface Absent {
  rule: string;
  unit?: string;
  file?: string;
  line?: number;
  why: string;
}

export interface Spec {
  description: string;
  config?: Record<string, unknown>;
  findings: Expected[];
  absent?: Absent[];
}

export const FIXTURES_DIR = path.resolve(import.meta.dirname, '../fixtures');

export function fixtureNames(): string[] {
  return fs
    .readdirSync(FIXTURES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(FIXTURES_DIR, d.name, 'expect.json')))
    .map((d) => d.name)
    .sort();
}

export function readSpec(name: string): Spec {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, name, 'expect.json'), 'utf8')) as Spec;
}

