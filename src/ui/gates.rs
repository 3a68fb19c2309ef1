//! Go/no-go gates: each gate's decision in words and symbols, and every role's vote.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Ctx, fit_clean, hm};
use crate::app::Panel;
use crate::journal::event::Vote;
use crate::state::Decision;
use crate::text::sanitize;

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let state = &ctx.screen.state;
    let t = ctx.theme;
    let block = ctx.block(
        &format!("Go/No-Go ({})", state.plan.gates.len()),
        Some(Panel::Gates),
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if state.plan.gates.is_empty() {
        frame.render_widget(
            Paragraph::new("No go/no-go gates in this plan.").style(t.dim),
            inner,
        );
        return;
    }
    let width = inner.width as usize;
    let decision_style = |d: Decision| -> (&'static str, Style) {
        match d {
            Decision::Go => ("✔", t.good),
            Decision::NoGo => ("✖", t.bad),
            Decision::Hold => ("⏸", t.warn),
            Decision::Pending => ("?", t.text),
        }
    };
    let mut lines = Vec::new();
    let sel = ctx.screen.view.gate;
    // Selected gate first in view: start the list at it when it would scroll off.
    let per_gate = if ctx.wide { 2 } else { 1 };
    let count = state.plan.gates.len();
    let rows = inner.height as usize;
    // When they do not all fit, one row says how many are off the panel.
    let fits = count * per_gate <= rows;
    let capacity = (if fits { rows } else { rows.saturating_sub(1) } / per_gate).max(1);
    let start = sel
        .saturating_sub(capacity - 1)
        .min(count.saturating_sub(capacity));
    for (i, g) in state
        .plan
        .gates
        .iter()
        .enumerate()
        .skip(start)
        .take(capacity)
    {
        let d = state.gate_decision(i);
        let (sym, style) = decision_style(d);
        let label = format!("{sym} {:<7} ", d.label());
        let title_w = width.saturating_sub(label.chars().count() + 1);
        let mut line = Line::from(vec![
            Span::raw(if i == sel { "›" } else { " " }),
            Span::styled(label, style),
            Span::raw(fit_clean(&g.title, title_w)),
        ]);
        if i == sel && ctx.screen.view.panel == Panel::Gates {
            line = line.style(t.selected);
        }
        lines.push(line);
        if ctx.wide {
            let votes = &state.votes[i];
            let mut spans = vec![Span::raw("   ")];
            if g.voters.len() > 1 {
                spans.push(Span::styled(
                    format!("GO needs {}: ", g.rule.describe(g.voters.len())),
                    t.dim,
                ));
            }
            if g.voters.is_empty() && votes.is_empty() {
                spans.push(Span::styled(
                    "no votes yet (any operator may answer)",
                    t.dim,
                ));
            }
            // One item per role, with a separator between items only (none after the last).
            let mut items: Vec<Vec<Span>> = Vec::new();
            for role in g.voters.iter().chain(
                votes
                    .iter()
                    .map(|v| &v.role)
                    .filter(|r| !g.voters.contains(r)),
            ) {
                match votes.iter().find(|v| &v.role == role) {
                    Some(v) => {
                        let s = match v.vote {
                            Vote::Go => t.good,
                            Vote::NoGo => t.bad,
                            Vote::Hold => t.warn,
                        };
                        let user = v.stamp.actor.split('@').next().unwrap_or_default();
                        let by = v
                            .by_role
                            .as_deref()
                            .map(|r| format!(" for {}", sanitize(r)))
                            .unwrap_or_default();
                        items.push(vec![
                            Span::styled(format!("{} {}", sanitize(role), v.vote.label()), s),
                            Span::styled(
                                format!(" ({}{by} {})", sanitize(user), hm(v.stamp.at)),
                                t.dim,
                            ),
                        ]);
                    }
                    None => items.push(vec![Span::styled(
                        format!("{} ? not yet", sanitize(role)),
                        t.dim,
                    )]),
                }
            }
            for (k, item) in items.into_iter().enumerate() {
                if k > 0 {
                    spans.push(Span::styled(" · ", t.dim));
                }
                spans.extend(item);
            }
            lines.push(Line::from(spans));
        }
    }
    if !fits {
        let below = count.saturating_sub(start + capacity);
        let mut more = Vec::new();
        if start > 0 {
            more.push(format!("↑ {start} above"));
        }
        if below > 0 {
            more.push(format!("↓ +{below} more"));
        }
        lines.push(Line::styled(format!("  {}", more.join(" · ")), t.dim));
    }
    // Votes wrap: at 120 columns one line holds only the first role's answer.
    frame.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
        inner,
    );
}
