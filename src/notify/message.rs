//! What is posted, in words: one [`Message`] per event that matters
//! ([`message`]), a summary of several held back by the rate limit ([`fold`]), and the
//! status digest ([`digest`]). Pure functions of the room state; the same journal gives the
//! same texts in every viewer, so any viewer can post any event.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::journal::event::{Event, EventKind};
use crate::journal::evidence::format_value;
use crate::plan::notify::NotifyTopic;
use crate::state::{Decision, RoomState, RoomStatus};

/// Longest text posted (Slack accepts far more; a wall of text helps nobody).
pub const MAX_TEXT: usize = 3000;
/// Events listed by name in a summary; the rest are counted.
pub const FOLD_LIST: usize = 25;

/// One event worth a post.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The event's journal seq.
    pub seq: u64,
    /// What kind of event (for `events = […]`).
    pub topic: NotifyTopic,
    /// The post, one line (Slack `mrkdwn`, already escaped).
    pub text: String,
    /// A short form for summaries ("HOLD called: dns").
    pub short: String,
}

/// The Slack-compatible body for `text`: `{"text": …}`.
#[must_use]
pub fn body(text: &str) -> serde_json::Value {
    json!({ "text": text })
}

/// The message for `ev`, given the room state just before and just after folding it in;
/// `None` for events that do not post (ticks, notes, votes that did not decide a gate, a
/// second HOLD while one is in force …). The title of the room leads every text.
#[must_use]
pub fn message(before: &RoomState, ev: &Event, after: &RoomState) -> Option<Message> {
    let when = clock(ev.at);
    let by = esc(&ev.actor);
    let (topic, short, detail) = match &ev.kind {
        EventKind::Advanced {
            from,
            to,
            override_reason,
            ..
        } => {
            let forced = override_reason
                .as_deref()
                .map(|r| format!(" — OVERRIDE: {}", esc(r)))
                .unwrap_or_default();
            let was = from
                .as_deref()
                .or_else(|| before.current.map(|i| before.plan.phases[i].id.as_str()));
            match to.as_deref() {
                Some(to) => {
                    let short = format!("→ {} started", esc(phase_title(after, to)));
                    let was = was.map_or_else(
                        || " (deployment started)".to_string(),
                        |w| format!(" (was {})", esc(phase_title(after, w))),
                    );
                    (
                        NotifyTopic::Phase,
                        short.clone(),
                        format!("{short}{was}{forced}"),
                    )
                }
                None => {
                    let short = "✔ Deployment finished".to_string();
                    let was = was
                        .map(|w| format!(" ({} done)", esc(phase_title(after, w))))
                        .unwrap_or_default();
                    (
                        NotifyTopic::Phase,
                        short.clone(),
                        format!("{short}{was}{forced}"),
                    )
                }
            }
        }
        EventKind::Voted {
            gate, role, note, ..
        } => {
            let g = after.gate_index(gate)?;
            let (was, now) = (before.gate_decision(g), after.gate_decision(g));
            if was == now || !matches!(now, Decision::Go | Decision::NoGo) {
                return None;
            }
            let title = esc(&after.plan.gates[g].title);
            let why = note
                .as_deref()
                .map(|n| format!(": {}", esc(n)))
                .unwrap_or_default();
            let (short, detail) = if now == Decision::Go {
                let short = format!("✅ GO at {title}");
                let detail = format!("{short} (last vote: {}{why})", esc(role));
                (short, detail)
            } else {
                let short = format!("⛔ NO-GO at {title}");
                let detail = format!("{short} ({} NO-GO{why})", esc(role));
                (short, detail)
            };
            (NotifyTopic::Gate, short, detail)
        }
        EventKind::HoldCalled { reason, .. } => {
            if before.hold().is_some() || after.hold().is_none() {
                return None;
            }
            let short = format!("⏸ HOLD called: {}", esc(reason));
            (NotifyTopic::Hold, short.clone(), short)
        }
        EventKind::HoldReleased { note } => {
            let called = before.hold()?.called.at;
            let held = duration_words(ev.at - called);
            let why = note
                .as_deref()
                .map(|n| format!(": {}", esc(n)))
                .unwrap_or_default();
            (
                NotifyTopic::Hold,
                format!("▶ Hold released{why}"),
                format!("▶ Hold released after {held}{why}"),
            )
        }
        EventKind::TriggerFired {
            trigger,
            value,
            condition,
            ..
        } => {
            let title = esc(&trigger_title(after, trigger));
            let short = format!("🚨 Rollback trigger fired: {title}");
            let detail = format!(
                "{short} ({}; value {})",
                esc(condition),
                format_value(*value)
            );
            (NotifyTopic::Trigger, short, detail)
        }
        EventKind::TriggerCleared { trigger, value } => {
            let short = format!("✓ Trigger cleared: {}", esc(&trigger_title(after, trigger)));
            let v = value
                .map(|v| format!(" (value {})", format_value(v)))
                .unwrap_or_default();
            (NotifyTopic::Trigger, short.clone(), format!("{short}{v}"))
        }
        EventKind::CountdownCancelled { trigger, note } => {
            let short = format!(
                "✋ Rollback countdown cancelled: {}",
                esc(&trigger_title(after, trigger))
            );
            let why = note
                .as_deref()
                .map(|n| format!(": {}", esc(n)))
                .unwrap_or_default();
            (NotifyTopic::Trigger, short.clone(), format!("{short}{why}"))
        }
        EventKind::RollbackStarted { reason, .. } => {
            if before.rollback.is_some() {
                return None;
            }
            let short = format!("↶ ROLLBACK started: {}", esc(reason));
            (NotifyTopic::Rollback, short.clone(), short)
        }
        EventKind::PlanLoaded { .. }
        | EventKind::TaskChecked { .. }
        | EventKind::TaskUnchecked { .. }
        | EventKind::BaselineCaptured { .. }
        | EventKind::Note { .. }
        | EventKind::T0Set { .. }
        | EventKind::CommandRan { .. } => return None,
    };
    Some(Message {
        seq: ev.seq,
        topic,
        text: cap(format!(
            "*{}*: {detail}, {when}, by {by}",
            esc(&after.plan.title)
        )),
        short,
    })
}

/// One post for several events held back by the rate limit: the first in full, the others
/// listed by their short form ("+7 more events: …"; beyond [`FOLD_LIST`] only counted —
/// the journal has them all). `None` for an empty list.
#[must_use]
pub fn fold(messages: &[Message]) -> Option<String> {
    let (first, rest) = messages.split_first()?;
    if rest.is_empty() {
        return Some(first.text.clone());
    }
    let mut text = format!(
        "{}\n+{} more event{} (held back by the rate limit):",
        first.text,
        rest.len(),
        if rest.len() == 1 { "" } else { "s" }
    );
    for m in rest.iter().take(FOLD_LIST) {
        text.push_str("\n• ");
        text.push_str(&m.short);
    }
    if rest.len() > FOLD_LIST {
        let _ = write!(text, "\n• … and {} more", rest.len() - FOLD_LIST);
    }
    Some(cap(text))
}

/// The status digest: status, current phase, progress, gates, hold, fired triggers.
#[must_use]
pub fn digest(state: &RoomState, now: DateTime<Utc>) -> String {
    let mut lines = vec![format!(
        "📋 *{}* — status digest, {}: *{}*",
        esc(&state.plan.title),
        clock(now),
        state.status().label()
    )];
    if let Some(i) = state.current {
        let (d, t) = state.phase_progress(i);
        let since = state.actual[i]
            .start
            .map(|s| format!(" since {}", clock(s)))
            .unwrap_or_default();
        lines.push(format!(
            "Phase: {}{since} ({d}/{t} tasks)",
            esc(&state.plan.phases[i].title)
        ));
    }
    let (done, total) = state.progress();
    let pct = (done * 100).checked_div(total).unwrap_or(100);
    lines.push(format!("Tasks: {done}/{total} ({pct}%)"));
    if !state.plan.gates.is_empty() {
        let mut counts = [0usize; 4];
        for g in 0..state.plan.gates.len() {
            counts[match state.gate_decision(g) {
                Decision::Go => 0,
                Decision::NoGo => 1,
                Decision::Hold => 2,
                Decision::Pending => 3,
            }] += 1;
        }
        let mut parts = vec![format!("{} GO", counts[0])];
        for (n, word) in counts[1..].iter().zip(["NO-GO", "HOLD", "pending"]) {
            if *n > 0 {
                parts.push(format!("{n} {word}"));
            }
        }
        lines.push(format!(
            "Gates: {} of {}",
            parts.join(", "),
            state.plan.gates.len()
        ));
    }
    if let Some(h) = state.hold() {
        lines.push(format!(
            "HOLD since {} by {}: {}",
            clock(h.called.at),
            esc(&h.called.actor),
            esc(h.called.note.as_deref().unwrap_or_default())
        ));
    }
    let fired: Vec<String> = state
        .fired_triggers()
        .map(|(i, f)| {
            format!(
                "{} (value {})",
                esc(&state.plan.triggers[i].text),
                format_value(f.value)
            )
        })
        .collect();
    if !fired.is_empty() {
        lines.push(format!("Triggers fired: {}", fired.join("; ")));
    }
    if let Some(r) = &state.rollback {
        lines.push(format!(
            "Rollback since {}: {}",
            clock(r.started.at),
            esc(r.started.note.as_deref().unwrap_or_default())
        ));
    }
    cap(lines.join("\n"))
}

/// Whether the digest runs in this state: while the deployment is in progress, on hold or
/// rolling back.
#[must_use]
pub fn digest_applies(state: &RoomState) -> bool {
    matches!(
        state.status(),
        RoomStatus::InProgress | RoomStatus::Hold | RoomStatus::Rollback
    )
}

/// `14:05 UTC`.
fn clock(at: DateTime<Utc>) -> String {
    at.format("%H:%M UTC").to_string()
}

fn duration_words(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        _ => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
    }
}

fn phase_title<'a>(state: &'a RoomState, id: &'a str) -> &'a str {
    state
        .plan
        .phase_index(id)
        .map_or(id, |i| state.plan.phases[i].title.as_str())
}

fn trigger_title(state: &RoomState, id: &str) -> String {
    state
        .trigger_index(id)
        .map_or_else(|| id.to_string(), |i| state.plan.triggers[i].text.clone())
}

/// Outside text made safe for Slack `mrkdwn`: control characters removed (one line) and
/// `&`, `<`, `>` escaped, so a note cannot form a link or an `@channel` mention.
#[must_use]
pub fn esc(s: &str) -> String {
    crate::text::sanitize(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn cap(mut text: String) -> String {
    if text.chars().count() > MAX_TEXT {
        text = text.chars().take(MAX_TEXT - 1).collect();
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;
    use crate::journal::event::{EVENT_VERSION, Vote};
    use crate::plan::{Gate, Phase, Plan, Task, Trigger};

    fn at(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 14, 0, 0).single().unwrap()
            + chrono::Duration::minutes(min)
    }

    fn plan() -> Plan {
        let toml = r#"
title = "Checkout <v3>"
roles = ["SRE", "QA"]
[[phase]]
id = "p1"
title = "Phase 1"
  [[phase.task]]
  text = "one"
[[phase]]
id = "p2"
title = "Phase 2"
  [[phase.task]]
  text = "two"
[[gate]]
id = "g1"
title = "Go/No-Go 1"
phase = "p1"
voters = ["SRE", "QA"]
[[trigger]]
id = "errors"
text = "Error rate above 5%"
"#;
        let p = crate::plan::toml::parse(toml, std::path::Path::new("t.toml"))
            .unwrap()
            .plan;
        let _: (&Phase, &Task, &Gate, &Trigger) = (
            &p.phases[0],
            &p.phases[0].tasks[0],
            &p.gates[0],
            &p.triggers[0],
        );
        p
    }

    /// Folds `kinds` in; returns every message.
    fn run(kinds: Vec<EventKind>) -> Vec<Option<Message>> {
        let mut state = RoomState::new(plan(), at(0));
        let mut out = Vec::new();
        for (i, kind) in kinds.into_iter().enumerate() {
            let ev = Event {
                v: EVENT_VERSION,
                seq: i as u64 + 1,
                at: at(5 + i as i64),
                actor: "alice@host".into(),
                role: None,
                kind,
                prev: String::new(),
            };
            let before = state.clone();
            state.apply(&ev);
            out.push(message(&before, &ev, &state));
        }
        out
    }

    fn advance(from: Option<&str>, to: Option<&str>) -> EventKind {
        EventKind::Advanced {
            from: from.map(Into::into),
            to: to.map(Into::into),
            override_reason: None,
            evidence: None,
        }
    }

    fn vote(role: &str, vote: Vote) -> EventKind {
        EventKind::Voted {
            gate: "g1".into(),
            role: role.into(),
            vote,
            note: None,
            evidence: None,
        }
    }

    #[test]
    fn phase_changes_name_both_phases_the_time_and_who() {
        let m = run(vec![
            advance(None, Some("p1")),
            advance(Some("p1"), Some("p2")),
            advance(Some("p2"), None),
        ]);
        let texts: Vec<String> = m.into_iter().map(|m| m.unwrap().text).collect();
        assert_eq!(
            texts[0],
            "*Checkout &lt;v3&gt;*: → Phase 1 started (deployment started), 14:05 UTC, by alice@host"
        );
        assert_eq!(
            texts[1],
            "*Checkout &lt;v3&gt;*: → Phase 2 started (was Phase 1), 14:06 UTC, by alice@host"
        );
        assert!(
            texts[2].contains("Deployment finished (Phase 2 done)"),
            "{}",
            texts[2]
        );
    }

    #[test]
    fn a_vote_posts_only_when_it_decides_the_gate() {
        let m = run(vec![
            vote("SRE", Vote::Go),  // pending: no post
            vote("QA", Vote::Go),   // GO
            vote("QA", Vote::Go),   // still GO: no post
            vote("QA", Vote::NoGo), // NO-GO
            vote("QA", Vote::Hold), // HOLD is not a result
        ]);
        assert!(m[0].is_none() && m[2].is_none() && m[4].is_none());
        let go = m[1].as_ref().unwrap();
        assert_eq!(go.topic, NotifyTopic::Gate);
        assert!(
            go.text.contains("✅ GO at Go/No-Go 1 (last vote: QA)"),
            "{}",
            go.text
        );
        assert!(
            m[3].as_ref()
                .unwrap()
                .text
                .contains("⛔ NO-GO at Go/No-Go 1")
        );
    }

    #[test]
    fn holds_triggers_and_rollbacks_post_once_per_change() {
        let m = run(vec![
            EventKind::HoldCalled {
                reason: "dns <@channel>".into(),
                evidence: None,
            },
            EventKind::HoldCalled {
                reason: "again".into(),
                evidence: None,
            },
            EventKind::HoldReleased {
                note: Some("fixed".into()),
            },
            EventKind::HoldReleased { note: None },
            EventKind::TriggerFired {
                trigger: "errors".into(),
                value: 7.5,
                condition: "error_rate > 5%".into(),
                since: at(0),
                evidence: None,
            },
            EventKind::TriggerCleared {
                trigger: "errors".into(),
                value: Some(1.0),
            },
            EventKind::RollbackStarted {
                reason: "errors".into(),
                evidence: None,
            },
            EventKind::RollbackStarted {
                reason: "again".into(),
                evidence: None,
            },
            EventKind::Note { text: "hi".into() },
        ]);
        let t = |i: usize| m[i].as_ref().map(|m| m.text.clone());
        assert!(
            t(0).unwrap()
                .contains("⏸ HOLD called: dns &lt;@channel&gt;")
        );
        assert_eq!(t(1), None);
        assert!(t(2).unwrap().contains("▶ Hold released after 2m: fixed"));
        assert_eq!(t(3), None);
        assert!(t(4).unwrap().contains(
            "🚨 Rollback trigger fired: Error rate above 5% (error_rate &gt; 5%; value 7.50)"
        ));
        assert!(
            t(5).unwrap()
                .contains("✓ Trigger cleared: Error rate above 5% (value 1)")
        );
        assert!(t(6).unwrap().contains("↶ ROLLBACK started: errors"));
        assert_eq!(t(7), None);
        assert_eq!(t(8), None);
    }

    #[test]
    fn a_summary_lists_what_the_rate_limit_held_back() {
        let msgs: Vec<Message> = (1..=40)
            .map(|i| Message {
                seq: i,
                topic: NotifyTopic::Hold,
                text: format!("full {i}"),
                short: format!("short {i}"),
            })
            .collect();
        assert_eq!(fold(&[]), None);
        assert_eq!(fold(&msgs[..1]).unwrap(), "full 1");
        let text = fold(&msgs).unwrap();
        assert!(text.starts_with("full 1\n+39 more events"), "{text}");
        assert!(text.contains("• short 26\n• … and 14 more"), "{text}");
    }

    #[test]
    fn the_digest_sums_up_the_room() {
        let mut state = RoomState::new(plan(), at(0));
        let kinds = [
            advance(None, Some("p1")),
            vote("SRE", Vote::NoGo),
            EventKind::HoldCalled {
                reason: "dns".into(),
                evidence: None,
            },
            EventKind::TriggerFired {
                trigger: "errors".into(),
                value: 7.5,
                condition: "error_rate > 5%".into(),
                since: at(0),
                evidence: None,
            },
        ];
        assert!(!digest_applies(&state));
        for (i, kind) in kinds.into_iter().enumerate() {
            state.apply(&Event {
                v: EVENT_VERSION,
                seq: i as u64 + 1,
                at: at(1),
                actor: "bob@h".into(),
                role: None,
                kind,
                prev: String::new(),
            });
        }
        assert!(digest_applies(&state));
        let d = digest(&state, at(60));
        assert_eq!(
            d,
            "📋 *Checkout &lt;v3&gt;* — status digest, 15:00 UTC: *HOLD*\n\
             Phase: Phase 1 since 14:01 UTC (0/1 tasks)\n\
             Tasks: 0/2 (0%)\n\
             Gates: 0 GO, 1 NO-GO of 1\n\
             HOLD since 14:01 UTC by bob@h: dns\n\
             Triggers fired: Error rate above 5% (value 7.50)"
        );
    }

    #[test]
    fn long_texts_are_capped() {
        let s = cap("x".repeat(MAX_TEXT * 2));
        assert_eq!(s.chars().count(), MAX_TEXT);
    }
}
