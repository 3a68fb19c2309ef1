//! Small drawings of a history: the per-check bar of coloured cells with symbols, and the
//! per-metric sparkline with its threshold line. Both put the newest sample at the right.

use ratatui::style::Style;
use ratatui::text::Span;

use super::theme::Theme;
use crate::plan::Comparator;
use crate::poll::{Signal, Verdict};

/// One cell per sample, newest right, `width` cells at most: `▇` pass, `▄` degraded, `✖`
/// failed — heights and symbols differ so the bar reads without colour.
#[must_use]
pub fn history_bar(signal: &Signal, width: usize, theme: &Theme) -> Vec<Span<'static>> {
    let skip = signal.history.len().saturating_sub(width);
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut run = String::new();
    let mut run_style: Option<Style> = None;
    let pad = width.saturating_sub(signal.history.len() - skip);
    if pad > 0 {
        spans.push(Span::styled("·".repeat(pad), theme.dim));
    }
    for s in signal.history.iter().skip(skip) {
        let (c, style) = match s.verdict {
            Verdict::Pass => ('▇', theme.good),
            Verdict::Degraded => ('▄', theme.warn),
            Verdict::Fail => ('✖', theme.bad),
        };
        if run_style != Some(style) && !run.is_empty() {
            spans.push(Span::styled(
                std::mem::take(&mut run),
                run_style.unwrap_or_default(),
            ));
        }
        run_style = Some(style);
        run.push(c);
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, run_style.unwrap_or_default()));
    }
    spans
}

/// Rows of a sparkline `width` wide and `height` rows high (top row first) over the latest
/// values, scaled from 0 to the larger of the highest value and 1.25× the threshold, with the
/// threshold drawn as `┈` where the bars stay below it. Values over the threshold (in the
/// direction of `op`) are drawn in the bad style. Missing values leave a gap.
#[must_use]
pub fn sparkline(
    signal: &Signal,
    threshold: Option<(Comparator, f64)>,
    width: usize,
    height: usize,
    theme: &Theme,
) -> Vec<Vec<Span<'static>>> {
    const LEVELS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let height = height.max(1);
    let values: Vec<Option<f64>> = signal
        .history
        .iter()
        .map(|s| s.value.filter(|v| v.is_finite()))
        .collect();
    let values = &values[values.len().saturating_sub(width)..];
    let top = values
        .iter()
        .flatten()
        .copied()
        .fold(0.0_f64, f64::max)
        .max(threshold.map_or(0.0, |(_, t)| t * 1.25))
        .max(f64::MIN_POSITIVE);
    let eighths = (height * 8) as f64;
    // The threshold row (counted from the bottom) and whether it sits in the upper half.
    let t_row = threshold.map(|(_, t)| ((t / top * eighths) / 8.0).floor() as usize);
    let pad = width.saturating_sub(values.len());
    let mut rows = Vec::with_capacity(height);
    for row in (0..height).rev() {
        let mut spans = Vec::new();
        if pad > 0 {
            let c = if t_row == Some(row) { "┈" } else { " " };
            spans.push(Span::styled(c.repeat(pad), theme.dim));
        }
        for v in values {
            let (c, style) = match v {
                None => (if t_row == Some(row) { '┈' } else { ' ' }, theme.dim),
                Some(v) => {
                    let level = (v / top * eighths).round() as usize;
                    let fill = level.saturating_sub(row * 8).min(8);
                    let over = threshold.is_some_and(|(op, t)| op.holds(*v, t));
                    let style = if over { theme.bad } else { theme.good };
                    if fill == 0 && t_row == Some(row) {
                        ('┈', theme.dim)
                    } else {
                        (LEVELS[fill], style)
                    }
                }
            };
            spans.push(Span::styled(c.to_string(), style));
        }
        rows.push(spans);
    }
    rows
}
