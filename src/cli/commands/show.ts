import { CliError } from '../CliError.js';
import { withClient, type Command } from '../Command.js';
import { formatTimeline } from '../format/timeline.js';

export const show: Command = {
  name: 'show',
  summary: 'one execution: its state, results and its journal as a timeline',
  usage: 'sagachart show <execution-id>',
  async run([id], values, { out, err }) {
    if (id === undefined) throw new CliError('show needs an execution id', 1, true);
    return withClient(values, { err }, async (client) => {
      const [view, journal] = await Promise.all([client.get(id), client.journal(id)]);
      if (values['json'] === true) {
        out(JSON.stringify({ ...view, journal }));
        return 0;
      }
      out(`${view.id}  ${view.saga} v${view.version}  ${view.status}  ${JSON.stringify(view.state)}`);
      if (view.failure !== null) {
        out(`Failed at ${view.failure.step} after ${view.failure.attempts} attempt(s): ${view.failure.message}`);
        out(`A person must act: fix the cause, then run: sagachart retry ${view.id}`);
      }
      if (view.reason !== null) out(`Compensating because: ${view.reason.message}`);
      out('');
      formatTimeline(journal).forEach(out);
      out('');
      out(`results: ${JSON.stringify(view.results)}`);
      return 0;
    });
  },
};
