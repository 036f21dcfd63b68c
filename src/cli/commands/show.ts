import { waitingFor } from '../../runtime/waitingFor.js';
import { CliError } from '../CliError.js';
import { withClient, type Command } from '../Command.js';
import { formatTimeline } from '../format/timeline.js';
import { summaryFor, waitingLines } from '../format/waitingLines.js';

export const show: Command = {
  name: 'show',
  summary: 'one execution: what it waits for, its state, results and its journal as a timeline',
  usage: 'sagachart show <execution-id>',
  async run([id], values, { out, err }) {
    if (id === undefined) throw new CliError('show needs an execution id', 1, true);
    return withClient(values, { err }, async (client) => {
      const [view, journal, sagas] = await Promise.all([client.get(id), client.journal(id), client.sagas()]);
      const summary = summaryFor(sagas, view);
      if (values['json'] === true) {
        out(JSON.stringify({ ...view, waiting: summary === undefined ? [] : waitingFor(view, summary), journal }));
        return 0;
      }
      out(`${view.id}  ${view.saga} v${view.version}  ${view.status}  ${JSON.stringify(view.state)}`);
      if (view.reason !== null && (view.status === 'Compensating' || view.status === 'Compensated')) {
        out(`${view.status} because: ${view.reason.message}`);
      }
      waitingLines(view, summary, values).forEach(out);
      out('');
      formatTimeline(journal).forEach(out);
      out('');
      out(`results: ${JSON.stringify(view.results)}`);
      return 0;
    });
  },
};
