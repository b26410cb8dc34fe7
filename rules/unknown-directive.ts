import { defineRule } from '../src/engine/rule.js';
import { directiveInfo, knownSections, sectionKeys, sectionsForUnitType, valueInfo } from '../src/catalog/index.js';
import { START_LIMIT_FAMILY } from '../src/model/directives.js';
import { unitFiles } from '../src/model/services.js';
import { keyLocation, valueLocation } from '../src/model/unit.js';
import { didYouMean, plural } from '../src/util/text.js';

export default defineRule({
  meta: {
    id: 'unknown-directive',
    severity: 'error',
    category: 'directives',
    summary: 'A setting or section systemd does not know there (misspelt, misplaced, or too new for the target systemd)',
    docs: `
## What it finds

- a key systemd does not know in that section (\`RestartSecs=\`), with a suggestion
  (\`RestartSec=\`); keys are case-sensitive, so \`restart=\` is reported too;
- a key that exists, but in another section (\`After=\` in \`[Service]\` belongs in \`[Unit]\`);
- a section this unit type does not read (\`[Service]\` in a \`.socket\` file, \`[Sevice]\`): systemd
  ignores the section **and every line in it**;
- when the configuration names the systemd version of the target hosts (\`"systemdVersion": 252\`),
  a directive or value introduced later (\`RestartSteps=\` needs 254, \`Type=notify-reload\` 253), or
  one removed by then.

Keys and sections starting with \`X-\` are extensions and are left alone, as systemd does.
The list of directives is generated from systemd itself (\`systemd --dump-configuration-items\`,
systemd 252) plus those added by later releases, each with its version.

## Why it bites

systemd does not fail on an unknown key: it logs "Unknown key name … ignoring" at load time and runs
the unit without it. The restart delay, the sandboxing option or the dependency you wrote is simply
not there.

## How to fix

Use the suggested spelling, move the key to the section named in the message, or raise
\`systemdVersion\` only if every target host really runs that version.

## Example

\`\`\`ini
[Service]
ExecStart=/usr/bin/agent
Restart=on-failure
RestartSecs=5
\`\`\`

\`RestartSecs=\` is ignored, so the unit restarts every 100 ms. Write \`RestartSec=5\`.
`,
  },
  check(ctx) {
    const target = ctx.config.systemdVersion;
    for (const f of unitFiles(ctx.project)) {
      const allowed = sectionsForUnitType(f.type);
      if (!allowed.length) continue;
      for (const sec of f.parsed.sections) {
        if (sec.name.startsWith('X-')) continue;
        if (!allowed.includes(sec.name)) {
          const loc = { file: f.path, line: sec.line, column: sec.column, endLine: sec.line, endColumn: sec.endColumn };
          const known = knownSections().includes(sec.name);
          const guess = known ? undefined : didYouMean(sec.name, allowed);
          ctx.report({
            unit: f.unit,
            location: loc,
            message: known
              ? `A .${f.type} unit has no [${sec.name}] section (it reads ${allowed.map((s) => `[${s}]`).join(', ')}): systemd ignores the section and the ${plural(sec.assignments.length, 'setting')} in it.`
              : `Unknown section [${sec.name}]${guess ? ` (did you mean [${guess}]?)` : ''}: systemd ignores the section and the ${plural(sec.assignments.length, 'setting')} in it.`,
            fix: guess
              ? `Rename the section to [${guess}].`
              : known
                ? `Move these settings to the unit that reads them, or rename the file to the right unit type.`
                : `Use one of ${allowed.map((s) => `[${s}]`).join(', ')}, or prefix the section with X- if it is meant for another tool.`,
          });
          continue;
        }
        for (const a of sec.assignments) {
          if (a.key.startsWith('X-')) continue;
          const info = directiveInfo(sec.name, a.key);
          if (info) {
            if (target !== undefined && info.since !== null && info.since > target) {
              ctx.report({
                unit: f.unit,
                location: keyLocation(a),
                message: `${a.key}= needs systemd ${info.since} or later, but the target hosts run systemd ${target} (systemdVersion in ${ctx.config.source ? ctx.relPath(ctx.config.source) : 'the configuration'}): there it is an unknown key and is ignored.`,
                fix: `Remove ${a.key}= or achieve the same with settings systemd ${target} knows; raise systemdVersion only if every host runs ${info.since}+.`,
              });
            } else if (target !== undefined && info.removed !== undefined && target >= info.removed) {
              ctx.report({
                unit: f.unit,
                location: keyLocation(a),
                message: `${a.key}= was removed in systemd ${info.removed}; the target hosts run systemd ${target}, which ignores it.`,
                fix: info.replacement ? `Use ${info.replacement} instead.` : `Remove ${a.key}=.`,
              });
            }
            if (target !== undefined) {
              const vi = valueInfo(sec.name, a.key, a.value);
              if (vi && vi.since > target) {
                ctx.report({
                  unit: f.unit,
                  location: valueLocation(a),
                  message: `${a.key}=${a.value} needs systemd ${vi.since} or later, but the target hosts run systemd ${target}: there the value is rejected and the setting ignored.`,
                  fix: `Use a value systemd ${target} supports.`,
                });
              }
            }
            continue;
          }
          if (START_LIMIT_FAMILY.test(a.key) && directiveInfo('Unit', a.key)) continue; // start-limit-wrong-section
          const elsewhere = allowed.filter((s) => s !== sec.name && directiveInfo(s, a.key));
          if (elsewhere.length) {
            ctx.report({
              unit: f.unit,
              location: keyLocation(a),
              message: `${a.key}= belongs in [${elsewhere[0]}], not [${sec.name}]: systemd ignores it here ("Unknown key name '${a.key}' in section '${sec.name}'").`,
              fix: `Move "${a.key}=${a.value}" to the [${elsewhere[0]}] section.`,
            });
            continue;
          }
          const here = sectionKeys(sec.name);
          let guess = didYouMean(a.key, here);
          let guessSection = sec.name;
          if (!guess) {
            for (const s of allowed) {
              if (s === sec.name) continue;
              const g = didYouMean(a.key, sectionKeys(s));
              if (g) {
                guess = g;
                guessSection = s;
                break;
              }
            }
          }
          const where = guess && guessSection !== sec.name ? ` (in [${guessSection}])` : '';
          ctx.report({
            unit: f.unit,
            location: keyLocation(a),
            message: `Unknown directive ${a.key}= in [${sec.name}]${guess ? ` — did you mean ${guess}=${where}?` : ''} systemd ignores the line ("Unknown key name '${a.key}' in section '${sec.name}', ignoring").`,
            fix: guess
              ? `Write ${guess}=${a.value}${where ? ` in [${guessSection}]` : ''}.`
              : `Remove the line, or prefix the key with X- if it is meant for another tool.`,
          });
        }
      }
    }
  },
});
