// A tiny line chart on a canvas: two series over time, with a y axis. No dependency.

/** Draws `series` ([{ values, color }]) against `times` (epoch seconds) on `canvas`. */
export function drawChart(canvas, times, series) {
  const ctx = canvas.getContext('2d');
  const width = canvas.width;
  const height = canvas.height;
  const left = 48;
  const bottom = 20;
  ctx.clearRect(0, 0, width, height);
  ctx.font = '11px sans-serif';
  ctx.fillStyle = '#666';
  ctx.strokeStyle = '#ddd';
  let max = 1;
  for (const s of series) for (const v of s.values) if (v > max) max = v;
  const plotW = width - left - 8;
  const plotH = height - bottom - 8;
  for (let i = 0; i <= 4; i++) {
    const y = 8 + plotH - (plotH * i) / 4;
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(width - 8, y);
    ctx.stroke();
    ctx.fillText(formatNumber((max * i) / 4), 2, y + 4);
  }
  if (times.length === 0) return;
  const t0 = times[0];
  const span = Math.max(1, times[times.length - 1] - t0);
  ctx.fillText(new Date(t0 * 1000).toLocaleTimeString(), left, height - 4);
  const lastLabel = new Date(times[times.length - 1] * 1000).toLocaleTimeString();
  ctx.fillText(lastLabel, width - 8 - ctx.measureText(lastLabel).width, height - 4);
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (let i = 0; i < times.length; i++) {
      const x = left + ((times[i] - t0) / span) * plotW;
      const y = 8 + plotH - (s.values[i] / max) * plotH;
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.stroke();
  }
}

function formatNumber(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(n < 10 ? 1 : 0);
}
