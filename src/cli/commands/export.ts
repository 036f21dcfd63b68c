import { compile } from '../../compile/compile.js';
import { loadSagas } from '../../server/loadSagas.js';
import { CliError } from '../CliError.js';
import { defaultMachinesDir, str, withClient, type Command } from '../Command.js';
import { toMermaid } from '../format/mermaid.js';

const FORMATS = ['json', 'mermaid', 'stately'];

/**
 * The machine config as code Stately Studio imports. Functions (context and
 * invoke inputs) are left out: Studio shows the states, transitions, guards,
 * actions and actors by name, which is what the chart is.
 */
function statelyCode(name: string, config: unknown): string {
  return [
    `// ${name}: exported by sagachart. Paste into Stately Studio (Import from code).`,
    "import { createMachine } from 'xstate';",
    '',
    `export const machine = createMachine(${JSON.stringify(config, null, 2)});`,
  ].join('\n');
}

export const exportChart: Command = {
  name: 'export',
  summary: "print a saga's statechart as XState JSON, a Mermaid diagram or code for Stately Studio",
  usage: `sagachart export <saga> [--format json|mermaid|stately]

json: the compiled machine as XState's JSON (machine.toJSON());
mermaid: a stateDiagram-v2;
stately: XState code with the machine config, for Stately Studio's "import from code".`,
  options: { format: { type: 'string', default: 'json' } },
  async run([saga], values, { out, err }) {
    if (saga === undefined) throw new CliError('export needs a saga name', 1, true);
    const format = str(values, 'format') ?? 'json';
    if (!FORMATS.includes(format)) throw new CliError(`--format must be one of ${FORMATS.join(', ')}`, 1, true);
    if (str(values, 'url') !== undefined) {
      if (format !== 'json') throw new CliError('with --url only --format json is available', 1, true);
      return withClient(values, { err }, async (client) => {
        out(JSON.stringify(await client.chart(saga), null, 2));
        return 0;
      });
    }
    const sagas = await loadSagas(str(values, 'machines') ?? defaultMachinesDir());
    const definition = sagas.filter((s) => s.name === saga).sort((a, b) => b.version - a.version)[0];
    if (definition === undefined) {
      throw new CliError(`Unknown saga "${saga}"; known: ${[...new Set(sagas.map((s) => s.name))].join(', ')}`);
    }
    const machine = compile(definition);
    if (format === 'mermaid') out(toMermaid(machine).trimEnd());
    else if (format === 'stately') out(statelyCode(definition.name, machine.config));
    else out(JSON.stringify(machine.toJSON(), null, 2));
    return 0;
  },
};
