// Which rows of a long list to render: only those in view plus a margin, with padding standing
// in for the rest, so 10,000 items scroll as smoothly as 50.

export type Window = { start: number; end: number; padTop: number; padBottom: number };

export function visibleRange(
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  count: number,
  overscan = 10,
): Window {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const start = Math.max(0, Math.min(count, first - overscan));
  const end = Math.min(count, first + Math.ceil(viewport / rowHeight) + overscan);
  return { start, end, padTop: start * rowHeight, padBottom: (count - end) * rowHeight };
}
