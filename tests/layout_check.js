// What tests/test_report_layout.py measures in Chromium: what scrolls sideways, what runs
// past the page's edge, and which chart texts fall outside their chart.
() => {
  const page = document.documentElement.clientWidth;
  const problems = [];
  const boxes = document.querySelectorAll('svg, canvas, img, table, [role=table]');
  for (const box of boxes) {
    if (box.closest('svg') && box.tagName.toLowerCase() === 'svg' && box.parentElement.closest('svg')) continue;
    const r = box.getBoundingClientRect();
    if (r.width === 0) continue;
    const name = box.tagName.toLowerCase() + (box.id ? '#' + box.id : '') +
      (box.closest('[id]') ? ' in #' + box.closest('[id]').id : '');
    if (r.right > page + 1 || r.left < -1) problems.push(name + ' runs past the edge: ' + Math.round(r.left) + '..' + Math.round(r.right) + ' of ' + page);
    for (let node = box; node && node !== document.body; node = node.parentElement) {
      if (node.scrollWidth > node.clientWidth + 1) {
        const style = getComputedStyle(node);
        if (['auto', 'scroll'].includes(style.overflowX)) problems.push(name + ' scrolls sideways in ' + node.tagName.toLowerCase() + '.' + node.className);
      }
    }
  }
  if (document.scrollingElement.scrollWidth > page + 1) problems.push('the page scrolls sideways: ' + document.scrollingElement.scrollWidth + ' > ' + page);
  const charts = Array.from(document.querySelectorAll('[data-chart] svg')).map(svg => {
    const frame = svg.getBoundingClientRect();
    // the texts a reader sees (Vega hides labels that would overlap with opacity 0)
    const texts = Array.from(svg.querySelectorAll('text'))
      .filter(t => t.getAttribute('opacity') !== '0' && getComputedStyle(t).opacity !== '0')
      .map(t => t.getBoundingClientRect())
      .filter(t => t.width > 0);
    const outside = texts.filter(t => t.left < frame.left - 1 || t.right > frame.right + 1 || t.top < frame.top - 1 || t.bottom > frame.bottom + 1);
    return [svg.closest('[data-chart]').dataset.chart, texts.length, outside.length];
  });
  return {problems, charts, tables: boxes.length};
}
