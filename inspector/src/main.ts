import { token } from './api.js';
import { h } from './dom.js';
import { choreographyInstanceView } from './views/choreographyInstanceView.js';
import { choreographyView } from './views/choreographyView.js';
import { compareView } from './views/compareView.js';
import { executionsView } from './views/executionsView.js';
import { executionView } from './views/executionView.js';
import { sagaView } from './views/sagaView.js';

const main = document.getElementById('main') as HTMLElement;
let stop: (() => void) | undefined;

async function route(): Promise<void> {
  stop?.();
  stop = undefined;
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path = '/', query = ''] = hash.split('?');
  const params = new URLSearchParams(query);
  try {
    const execution = /^\/execution\/(.+)$/.exec(path);
    const saga = /^\/saga\/(.+)$/.exec(path);
    const compare = /^\/compare\/([^/]+)\/([^/]+)$/.exec(path);
    const choreography = /^\/choreography\/([^/]+)(?:\/(.+))?$/.exec(path);
    if (choreography?.[1] !== undefined && choreography[2] !== undefined)
      stop = await choreographyInstanceView(
        main,
        decodeURIComponent(choreography[1]),
        decodeURIComponent(choreography[2]),
      );
    else if (choreography?.[1] !== undefined)
      stop = await choreographyView(main, decodeURIComponent(choreography[1]), params);
    else if (compare?.[1] !== undefined && compare[2] !== undefined)
      await compareView(main, decodeURIComponent(compare[1]), decodeURIComponent(compare[2]));
    else if (execution?.[1] !== undefined) stop = await executionView(main, decodeURIComponent(execution[1]));
    else if (saga?.[1] !== undefined) await sagaView(main, decodeURIComponent(saga[1]));
    else stop = await executionsView(main, params);
  } catch (error) {
    main.replaceChildren(h('div', { class: 'banner failed' }, `Could not load this page: ${(error as Error).message}`));
  }
}

const tokenInput = document.getElementById('token') as HTMLInputElement;
tokenInput.value = token.get();
tokenInput.addEventListener('change', () => token.set(tokenInput.value));
window.addEventListener('hashchange', () => void route());
void route();
