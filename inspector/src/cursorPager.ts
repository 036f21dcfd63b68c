import { h } from './dom.js';

export interface CursorPager {
  /** The pager's buttons and its "page n" line. */
  readonly element: HTMLElement;
  /** The cursor of the page shown ('' for the first, the one that follows live). */
  cursor(): string;
  /** After a page was read: how many it showed, and the cursor of the next one. */
  shown(count: number, nextCursor: string | null): void;
}

/**
 * Newer / older buttons over a list paged by an opaque cursor: it keeps the
 * cursors of the pages before, to go back, and calls `onMove` to read the page.
 */
export function cursorPager(pageSize: number, onMove: () => void): CursorPager {
  const cursors: string[] = [];
  let cursor = '';
  let nextCursor: string | null = null;
  const pageInfo = h('span', { class: 'muted', 'data-testid': 'page-info' });
  const prev = h('button', { type: 'button', 'data-testid': 'prev-page' }, '← newer');
  const next = h('button', { type: 'button', 'data-testid': 'next-page' }, 'older →');
  next.addEventListener('click', () => {
    if (nextCursor === null) return;
    cursors.push(cursor);
    cursor = nextCursor;
    onMove();
  });
  prev.addEventListener('click', () => {
    cursor = cursors.pop() ?? '';
    onMove();
  });
  return {
    element: h('div', { class: 'pager' }, prev, next, pageInfo),
    cursor: () => cursor,
    shown(count, after) {
      nextCursor = after;
      next.disabled = nextCursor === null;
      prev.disabled = cursors.length === 0;
      pageInfo.textContent = `page ${cursors.length + 1} · ${count} shown, ${pageSize} a page`;
    },
  };
}
