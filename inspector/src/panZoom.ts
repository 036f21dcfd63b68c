import { h } from './dom.js';

export interface PanZoom {
  /** The viewport with its toolbar; put it in the page, then call `fit()`. */
  readonly element: HTMLElement;
  /** Shows the whole drawing, as large as the box allows (never above 1.25×). */
  fit(): void;
  /** Shows the drawing at reading size (its full height in the box, at most 1×), from its left end: pan for the rest. */
  read(): void;
  /** The current scale: screen pixels per drawing unit. */
  scale(): number;
  /** Pans (keeping the zoom) to centre a region of the drawing when part of it is out of view. */
  reveal(region: { x: number; y: number; width: number; height: number }): void;
}

/**
 * Zoom (buttons, ctrl/⌘ + wheel), pan (drag) and fit-to-screen for an SVG
 * drawing of `width` × `height` units, in a box at most `maxHeight` px tall.
 * It moves the SVG's viewBox, so text stays crisp at every zoom.
 */
export function panZoom(
  drawing: SVGSVGElement,
  width: number,
  height: number,
  options: { maxHeight: number; testId?: string },
): PanZoom {
  const view = { x: 0, y: 0, w: width, h: height };
  let boxH = Math.min(height, options.maxHeight);
  const box = h('div', {
    class: 'viewport',
    ...(options.testId === undefined ? {} : { 'data-testid': options.testId }),
  });
  drawing.setAttribute('width', '100%');
  drawing.setAttribute('preserveAspectRatio', 'xMidYMin meet');
  box.append(drawing);
  const apply = () => {
    box.style.height = `${Math.round(boxH)}px`;
    drawing.setAttribute('height', String(Math.round(boxH)));
    drawing.setAttribute('viewBox', `${view.x} ${view.y} ${view.w} ${view.h}`);
  };
  const pixelsPerUnit = () => Math.min(box.clientWidth / view.w, boxH / view.h);
  const fit = () => {
    const available = box.clientWidth || width;
    const s = Math.min(available / width, options.maxHeight / height, 1.25);
    boxH = Math.max(60, height * s);
    // The view is the box's shape, the drawing centred across it.
    view.w = available / s;
    view.h = boxH / s;
    view.x = (width - view.w) / 2;
    view.y = 0;
    apply();
  };
  const read = () => {
    const available = box.clientWidth || width;
    const s = Math.min(options.maxHeight / height, 1);
    if (available / width >= s) {
      fit();
      return;
    }
    boxH = Math.max(60, height * s);
    view.w = available / s;
    view.h = boxH / s;
    view.x = 0;
    view.y = 0;
    apply();
  };
  const zoom = (factor: number, cx = view.x + view.w / 2, cy = view.y + view.h / 2) => {
    view.x = cx - (cx - view.x) / factor;
    view.y = cy - (cy - view.y) / factor;
    view.w /= factor;
    view.h /= factor;
    apply();
  };
  box.addEventListener(
    'wheel',
    (event) => {
      if (!event.ctrlKey && !event.metaKey) return;
      event.preventDefault();
      const rect = box.getBoundingClientRect();
      const s = pixelsPerUnit();
      zoom(
        event.deltaY < 0 ? 1.15 : 1 / 1.15,
        view.x + (event.clientX - rect.left) / s,
        view.y + (event.clientY - rect.top) / s,
      );
    },
    { passive: false },
  );
  let drag: { x: number; y: number; vx: number; vy: number } | undefined;
  box.addEventListener('pointerdown', (event) => {
    if ((event.target as Element).closest('[data-node]') !== null) return;
    drag = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y };
    // Captured, the drag follows the pointer outside the box with listeners on the box alone
    // (window listeners would outlive the page that drew it).
    box.setPointerCapture(event.pointerId);
    box.classList.add('dragging');
  });
  box.addEventListener('pointermove', (event) => {
    if (drag === undefined) return;
    const s = pixelsPerUnit();
    view.x = drag.vx - (event.clientX - drag.x) / s;
    view.y = drag.vy - (event.clientY - drag.y) / s;
    apply();
  });
  box.addEventListener('pointerup', () => {
    drag = undefined;
    box.classList.remove('dragging');
  });
  const tools = h(
    'div',
    { class: 'zoom-tools' },
    h('button', { type: 'button', title: 'zoom in', 'aria-label': 'zoom in', onclick: () => zoom(1.25) }, '+'),
    h('button', { type: 'button', title: 'zoom out', 'aria-label': 'zoom out', onclick: () => zoom(0.8) }, '−'),
    h('button', { type: 'button', title: 'fit to screen', 'aria-label': 'fit to screen', onclick: fit }, 'fit'),
  );
  const reveal = (r: { x: number; y: number; width: number; height: number }) => {
    // Centre it when it is not well inside (a margin of a tenth of the view on each side).
    const mx = view.w / 10;
    const my = view.h / 10;
    const outX = r.x < view.x + mx || r.x + r.width > view.x + view.w - mx;
    const outY = r.y < view.y + my || r.y + r.height > view.y + view.h - my;
    if (!outX && !outY) return;
    if (outX) view.x = r.x + r.width / 2 - view.w / 2;
    if (outY) view.y = r.y + r.height / 2 - view.h / 2;
    apply();
  };
  const element = h('div', { class: 'panzoom' }, tools, box);
  apply();
  return { element, fit, read, scale: pixelsPerUnit, reveal };
}
