//! The report's timeline chart: one inline SVG (no script, no network), a row per phase with
//! its planned window (outlined) and what actually happened (filled), holds shaded across the
//! rows, and markers for gate decisions, fired triggers and the rollback.
//!
//! Status is never colour alone: bars carry their slip in words in a tooltip and the legend,
//! and markers carry labels.

use chrono::{DateTime, Duration, Utc};
use maud::{Markup, html};

use super::model::{PhaseReport, Report};
use super::words::{length, outcome, slip, time};
use crate::text::sanitize;

/// Width of the drawing (SVG user units ≈ CSS px at 100 %).
const WIDTH: f64 = 1000.0;
/// Left column for phase titles.
const LABELS: f64 = 260.0;
/// Height of one phase row.
const ROW: f64 = 28.0;
/// Space above the rows for the time axis and marker labels.
const TOP: f64 = 56.0;

/// A labelled instant on the chart.
struct Marker {
    at: DateTime<Utc>,
    label: String,
    class: &'static str,
}

/// The time range the chart spans: every instant the report mentions.
fn span(r: &Report) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let mut times: Vec<DateTime<Utc>> = Vec::new();
    for p in &r.phases {
        times.extend(
            [p.planned_start, p.planned_end, p.actual_start, p.actual_end]
                .into_iter()
                .flatten(),
        );
        times.extend(running_end(p));
    }
    for h in &r.holds {
        times.push(h.from);
        times.push(h.until.unwrap_or(r.generated_at));
    }
    times.extend(markers(r).iter().map(|m| m.at));
    let lo = *times.iter().min()?;
    let hi = *times.iter().max()?;
    // A single instant still gets a readable width.
    Some((lo, hi.max(lo + Duration::minutes(10))))
}

/// Where the bar of a phase still open ends: its actual length from its start.
fn running_end(p: &PhaseReport) -> Option<DateTime<Utc>> {
    let start = p.actual_start?;
    Some(
        p.actual_end
            .unwrap_or(start + Duration::seconds(p.actual_s.unwrap_or(0))),
    )
}

fn markers(r: &Report) -> Vec<Marker> {
    let mut out: Vec<Marker> = r
        .gates
        .iter()
        .filter_map(|g| {
            Some(Marker {
                at: g.decided_at?,
                label: format!("{}: {}", g.title, outcome(&g.outcome)),
                class: if g.outcome == "go" { "m-go" } else { "m-nogo" },
            })
        })
        .collect();
    out.extend(r.triggers.iter().map(|t| Marker {
        at: t.fired_at,
        label: format!("trigger fired: {}", t.condition),
        class: "m-trigger",
    }));
    if let Some(rb) = &r.rollback {
        out.push(Marker {
            at: rb.started_at,
            label: "ROLLBACK started".into(),
            class: "m-rollback",
        });
    }
    out.sort_by_key(|m| m.at);
    out
}

/// A step of the time axis that gives 4–12 ticks over `len`.
fn tick_step(len: Duration) -> Duration {
    const STEPS_MIN: [i64; 14] = [
        1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10_080, 43_200,
    ];
    let minutes = len.num_minutes().max(1);
    let step = STEPS_MIN
        .iter()
        .copied()
        .find(|s| minutes / s <= 10)
        .unwrap_or(43_200);
    Duration::minutes(step)
}

/// The chart, or a sentence saying there is nothing to draw yet.
#[must_use]
pub fn render(r: &Report) -> Markup {
    let Some((lo, hi)) = span(r) else {
        return html! { p class="muted" { "Nothing to draw yet: no phase has a planned or actual time." } };
    };
    let total = (hi - lo).num_seconds().max(1) as f64;
    let x =
        |t: DateTime<Utc>| LABELS + (t - lo).num_seconds() as f64 / total * (WIDTH - LABELS - 28.0);
    let rows: Vec<_> = r
        .phases
        .iter()
        .filter(|p| p.planned_start.is_some() || p.actual_start.is_some())
        .collect();
    let height = TOP + ROW * rows.len() as f64 + 12.0;
    let step = tick_step(hi - lo);
    let step_s = step.num_seconds().max(60);
    let first_tick = lo.timestamp().div_euclid(step_s) * step_s + step_s;
    let ticks: Vec<DateTime<Utc>> = (first_tick..=hi.timestamp())
        .step_by(step_s as usize)
        .filter_map(|t| DateTime::from_timestamp(t, 0))
        .collect();
    let tick_fmt = if step >= Duration::days(1) {
        "%m-%d"
    } else if hi - lo > Duration::hours(20) {
        "%m-%d %H:%M"
    } else {
        "%H:%M"
    };
    let marks = markers(r);
    html! {
        svg class="timeline" role="img" viewBox={"0 0 " (WIDTH) " " (height)} width="100%"
            xmlns="http://www.w3.org/2000/svg" {
            title { "Timeline: planned (outlined) against actual (filled) per phase, UTC" }
            @for t in &ticks {
                line class="grid" x1=(x(*t)) x2=(x(*t)) y1=(TOP - 6.0) y2=(height - 8.0) {}
                text class="tick" x=(x(*t)) y=(TOP - 10.0) text-anchor="middle" { (t.format(tick_fmt)) }
            }
            @for h in &r.holds {
                @let until = h.until.unwrap_or(r.generated_at);
                rect class="hold" x=(x(h.from)) y=(TOP - 4.0) width=((x(until) - x(h.from)).max(2.0))
                    height=(height - TOP - 4.0) {
                    title { "HOLD " (time(h.from)) " for " (length(h.length_s)) ": " (sanitize(&h.reason)) }
                }
            }
            @for (k, p) in rows.iter().enumerate() {
                @let y = TOP + ROW * k as f64;
                text class="label" x="4" y=(y + ROW * 0.62) {
                    (truncate(&p.title, 34)) @if p.kind == "rollback" { " ↺" }
                }
                @if let (Some(s), Some(e)) = (p.planned_start, p.planned_end) {
                    rect class="planned" x=(x(s)) y=(y + 3.0) width=((x(e) - x(s)).max(2.0)) height=(ROW - 6.0) rx="3" {
                        title { (sanitize(&p.title)) ": planned " (time(s)) " – " (time(e)) }
                    }
                }
                @if let (Some(s), Some(e)) = (p.actual_start, running_end(p)) {
                    @let class = match (p.kind.as_str(), p.status.as_str()) {
                        ("rollback", _) => "actual rollback",
                        (_, "overrun") => "actual late",
                        (_, "interrupted") => "actual interrupted",
                        (_, "done") => "actual done",
                        _ => "actual running",
                    };
                    rect class=(class) x=(x(s)) y=(y + 8.0) width=((x(e) - x(s)).max(3.0)) height=(ROW - 16.0) rx="2" {
                        title {
                            (sanitize(&p.title)) ": actual " (time(s)) " – "
                            @if let Some(end) = p.actual_end { (time(end)) } @else { "still running" }
                            " (start " (slip(p.start_slip_min)) ", end " (slip(p.end_slip_min)) ")"
                        }
                    }
                }
            }
            @for (k, m) in marks.iter().enumerate() {
                @let mx = x(m.at);
                line class={"marker " (m.class)} x1=(mx) x2=(mx) y1=(TOP - 4.0) y2=(height - 8.0) {}
                @let (lx, anchor) = if mx > WIDTH * 0.7 { (mx - 3.0, "end") } else { (mx + 3.0, "start") };
                text class={"mlabel " (m.class)} x=(lx) y=(12.0 + 12.0 * (k % 3) as f64) text-anchor=(anchor) {
                    (truncate(&m.label, 40))
                }
            }
        }
    }
}

/// Outside text cleaned (see [`sanitize`]) and cut to at most `n` characters, with `…` when
/// cut.
fn truncate(s: &str, n: usize) -> String {
    let s = sanitize(s);
    if s.chars().count() <= n {
        s
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}
