//! Timeline: each phase's planned window against its actual start and end and, where it is off
//! plan, its forecast; a bar on a shared time axis with a "now" marker; overruns marked with `!`
//! and the warning style, forecasts past the deployment or rollback window with `⚠`.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Row, Table};

use unicode_width::UnicodeWidthStr;

use super::{Ctx, fit, hm};
use crate::app::Panel;
use crate::plan::PhaseKind;
use crate::state::timeline::PhaseStatus;
use crate::text::sanitize;

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let state = &ctx.screen.state;
    let t = ctx.theme;
    // The legend names every bar symbol, so the bars never rely on colour.
    let legend = if ctx.wide {
        "Timeline · ░ planned ▒ forecast █ actual │ now · ≈ forecast, ⚠ past window"
    } else {
        "Timeline ░ plan ▒ forecast █ actual ⚠ past window"
    };
    let block = ctx.block(legend, Some(Panel::Timeline));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows_visible = inner.height as usize;
    if rows_visible == 0 {
        return;
    }
    let selected = ctx.screen.view.phase;
    let count = state.plan.phases.len();
    // When the phases do not all fit, the last row says how many are off the panel.
    let fits = count <= rows_visible;
    let rows_visible = if fits {
        rows_visible
    } else {
        rows_visible.saturating_sub(1).max(1)
    };
    let first = selected
        .saturating_sub(rows_visible.saturating_sub(1))
        .min(count.saturating_sub(rows_visible));
    // Columns as wide as their widest entry (a date is never cut mid-field), the phase names
    // taking what the bars can spare.
    let titles: Vec<String> = state
        .plan
        .phases
        .iter()
        .map(|p| {
            let title = sanitize(&p.title);
            if p.kind == PhaseKind::Rollback {
                format!("↶ {title}")
            } else {
                title
            }
        })
        .collect();
    let planned: Vec<String> = state
        .planned
        .iter()
        .map(|w| {
            w.map_or_else(
                || "unscheduled".to_string(),
                |(s, e)| window(s, e, ctx.wide, ctx.now),
            )
        })
        .collect();
    // Measured over the rows shown: a date far down the plan does not narrow the names here.
    let widest = |v: &[String]| {
        v.iter()
            .skip(first)
            .take(rows_visible)
            .map(|s| s.width())
            .max()
            .unwrap_or(0) as u16
    };
    let when_w = widest(&planned).clamp(11, if ctx.wide { 26 } else { 20 });
    let others = 2 + when_w + ACTUAL_W + 1 + 7 + 4;
    let min_bar = if ctx.wide { 16 } else { 8 };
    let title_w = widest(&titles)
        .min(inner.width.saturating_sub(others + min_bar))
        .max(12);
    let bar_w = inner.width.saturating_sub(others + title_w) as usize;
    let forecasts = state.forecasts(ctx.now);
    let axis = axis(ctx, &forecasts);

    let rows = state
        .plan
        .phases
        .iter()
        .enumerate()
        .skip(first)
        .take(rows_visible)
        .map(|(i, _)| {
            let status = state.phase_status(i, ctx.now);
            let style = match status {
                PhaseStatus::Active => t.good,
                PhaseStatus::Overrun => t.warn,
                PhaseStatus::Done => t.dim,
                PhaseStatus::Pending => t.text,
            };
            let (title, planned) = (&titles[i], &planned[i]);
            let a = state.actual[i];
            let forecast = forecasts[i].filter(crate::state::Forecast::off_plan);
            let mut actual = match (a.start, a.end, forecast) {
                (Some(s), Some(e), _) => format!("{}–{}", hm(s), hm(e)),
                // Another day's times carry the date instead, so a multi-day stage never
                // reads "≈09:00–09:00".
                (Some(s), None, Some(f)) if same_day(f.end, ctx.now) => {
                    format!("{}–≈{}", hm(s), hm(f.end))
                }
                (Some(_), None, Some(f)) => format!("ends≈{}", f.end.format("%b %d")),
                (Some(s), None, None) => format!("{}–", hm(s)),
                (None, _, Some(f)) if same_day(f.start, ctx.now) && same_day(f.end, ctx.now) => {
                    format!("≈{}–{}", hm(f.start), hm(f.end))
                }
                (None, _, Some(f)) => format!("≈{}", f.start.format("%b %d %H:%M")),
                (None, _, None) => String::new(),
            };
            let flagged =
                forecasts[i].is_some_and(|f| f.past_deployment_window || f.past_rollback_window);
            if flagged {
                actual.push('⚠');
            }
            let (done, total) = state.phase_progress(i);
            let bar = axis
                .map(|ax| {
                    ax.bar(
                        state.planned[i],
                        forecast.map(|f| (f.start.max(ctx.now), f.end)),
                        a.start,
                        a.end.or(a.start.map(|_| ctx.now)),
                        ctx.now,
                        bar_w,
                    )
                })
                .unwrap_or_default();
            let row = Row::new(vec![
                Line::from(Span::styled(status.label(), style)),
                Line::from(Span::styled(fit(title, title_w as usize), style)),
                Line::from(Span::styled(fit(planned, when_w as usize), t.text)),
                Line::from(Span::styled(actual, if flagged { t.bad } else { style })),
                Line::from(format!("{done}/{total}")),
                Line::from(Span::styled(bar, style)),
            ]);
            if i == selected && ctx.screen.view.panel == Panel::Timeline {
                row.style(t.selected)
            } else {
                row
            }
        });
    let widths = [
        Constraint::Length(1),
        Constraint::Length(title_w),
        Constraint::Length(when_w),
        Constraint::Length(ACTUAL_W),
        Constraint::Length(7),
        Constraint::Min(0),
    ];
    let table_area = Rect {
        height: rows_visible.min(inner.height as usize) as u16,
        ..inner
    };
    frame.render_widget(Table::new(rows, widths).column_spacing(1), table_area);
    if !fits && inner.height as usize > rows_visible {
        let below = count.saturating_sub(first + rows_visible);
        let mut more = Vec::new();
        if first > 0 {
            more.push(format!("↑ {first} above"));
        }
        if below > 0 {
            more.push(format!("↓ +{below} more"));
        }
        let at = Rect {
            y: inner.y + rows_visible as u16,
            height: 1,
            ..inner
        };
        frame.render_widget(
            ratatui::widgets::Paragraph::new(format!("  {}", more.join(" · "))).style(t.dim),
            at,
        );
    }
}

fn same_day(t: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    t.date_naive() == now.date_naive()
}

/// A planned window in as few columns as it needs: whole days as dates, else times, with the
/// date when it is not today (or always, when wide).
fn window(s: DateTime<Utc>, e: DateTime<Utc>, wide: bool, now: DateTime<Utc>) -> String {
    if (e - s).num_hours() >= 24 {
        let last = e - chrono::Duration::seconds(1);
        if s.date_naive() == last.date_naive() {
            return s.format("%b %d").to_string();
        }
        return format!("{}–{}", s.format("%b %d"), last.format("%b %d"));
    }
    if wide || s.date_naive() != now.date_naive() {
        format!("{} {}–{}", s.format("%b %d"), hm(s), hm(e))
    } else {
        format!("{}–{}", hm(s), hm(e))
    }
}

/// Columns of the actual/forecast column: `09:01–≈10:01` and a `⚠`.
const ACTUAL_W: u16 = 13;

#[derive(Clone, Copy)]
struct Axis {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

/// The axis spans every planned window and every forecast, so a slip past the plan's end shows
/// how far past it goes.
fn axis(ctx: &Ctx, forecasts: &[Option<crate::state::Forecast>]) -> Option<Axis> {
    let state = &ctx.screen.state;
    let windows = state
        .planned
        .iter()
        .flatten()
        .copied()
        .chain(forecasts.iter().flatten().map(|f| (f.start, f.end)));
    let start = windows.clone().map(|w| w.0).min()?;
    let end = windows.map(|w| w.1).max()?;
    (end > start).then_some(Axis { start, end })
}

impl Axis {
    fn col(self, t: DateTime<Utc>, width: usize) -> usize {
        let span = (self.end - self.start).num_seconds().max(1) as f64;
        let x = (t - self.start).num_seconds() as f64 / span * width as f64;
        (x.max(0.0) as usize).min(width.saturating_sub(1))
    }

    /// Planned window as `░`, forecast (what is still to come of it) as `▒`, actual as `█`,
    /// now as `│`.
    fn bar(
        self,
        planned: Option<(DateTime<Utc>, DateTime<Utc>)>,
        forecast: Option<(DateTime<Utc>, DateTime<Utc>)>,
        actual_start: Option<DateTime<Utc>>,
        actual_end: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        width: usize,
    ) -> String {
        if width < 4 {
            return String::new();
        }
        let mut cells = vec![' '; width];
        if let Some((s, e)) = planned {
            for c in &mut cells[self.col(s, width)..=self.col(e, width)] {
                *c = '░';
            }
        }
        if let Some((s, e)) = forecast.filter(|(s, e)| e > s) {
            for c in &mut cells[self.col(s, width)..=self.col(e, width)] {
                *c = '▒';
            }
        }
        if let (Some(s), Some(e)) = (actual_start, actual_end) {
            let (a, b) = (self.col(s, width), self.col(e, width));
            for c in &mut cells[a.min(b)..=b.max(a)] {
                *c = '█';
            }
        }
        if now >= self.start && now <= self.end {
            cells[self.col(now, width)] = '│';
        }
        cells.into_iter().collect()
    }
}
