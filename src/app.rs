//! The app: one loop that selects over terminal input, journal changes, probe results, signals
//! and a once-a-second clock; turns keys into commands through the session; draws only when
//! something visible changed.

pub mod action;
pub mod commands;
pub mod keymap;
pub mod mode;
mod run;
pub mod signals;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};

use crate::journal::event::Vote;
use crate::poll::trigger::Watch;
use crate::poll::{Board, Target};
use crate::session::Session;
use crate::state::Command;

pub use action::Action;
pub use keymap::KeyMap;
pub use mode::{Mode, Panel, TextField, VoteDialog, VoteField};
pub use run::run;

/// What the viewer has selected; never journaled, private to this screen.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// Panel with the keys.
    pub panel: Panel,
    /// Phase whose checklist is shown (index into `plan.phases`).
    pub phase: usize,
    /// Selected task within that phase.
    pub task: usize,
    /// Selected gate (index into `plan.gates`).
    pub gate: usize,
    /// What the keys mean now.
    pub mode: Mode,
    /// The outcome of the last action: (text, is an error).
    pub flash: Option<(String, bool)>,
}

/// The room as one viewer sees it.
pub struct App {
    /// Plan, journal and folded state.
    pub session: Session,
    /// Checks' and metrics' states and histories.
    pub board: Board,
    /// This viewer's evaluation of each trigger (parallel to `plan.triggers`).
    pub watches: Vec<Watch>,
    /// The check or metric feeding each trigger (parallel to `plan.triggers`).
    pub bindings: Vec<Option<Target>>,
    /// Each metric's threshold line (parallel to `plan.metrics`).
    pub threshold_lines: Vec<Option<(crate::plan::Comparator, f64)>>,
    /// Why the last edit of the plan file was not loaded (the room keeps the last good plan).
    pub reload_error: Option<String>,
    /// The webhook notifier's status, when this room posts notifications.
    pub notify: Option<tokio::sync::watch::Receiver<crate::notify::NotifyStatus>>,
    /// The step command running or last run from this room.
    pub running: Option<commands::Running>,
    output: Option<tokio::sync::mpsc::Receiver<crate::exec::Output>>,
    /// Selection and mode.
    pub view: View,
    /// The key map.
    pub keys: KeyMap,
    /// Set when the user asked to leave.
    pub quit: bool,
    /// While the database journal cannot be reached: since when (UTC) and why, in words.
    /// Actions are refused meanwhile; the follower's listener reconnects with backoff and
    /// its wake-up catches up, which clears this.
    pub journal_offline: Option<(DateTime<Utc>, String)>,
}

impl App {
    /// A viewer on `session`, focused on the current (else first open) phase's checklist.
    #[must_use]
    pub fn new(session: Session) -> Self {
        let phase = session.state.focus_phase();
        let board = Board::new(&session.state.plan);
        let watches = signals::watches(&session.state.plan);
        let bindings = signals::bindings(&session.state.plan);
        let threshold_lines = signals::threshold_lines(&session.state.plan);
        let flash = session
            .problems
            .first()
            .map(|p| (format!("journal line {}: {}", p.line, p.message), true))
            .or_else(|| {
                session.state.dangling.first().map(|(seq, what)| {
                    (
                        format!("event {seq} names {what}, which the plan no longer has"),
                        true,
                    )
                })
            });
        App {
            session,
            board,
            watches,
            bindings,
            threshold_lines,
            reload_error: None,
            running: None,
            output: None,
            notify: None,
            view: View {
                panel: Panel::Checklist,
                phase,
                task: 0,
                gate: 0,
                mode: Mode::Normal,
                flash,
            },
            keys: KeyMap::default_map(),
            quit: false,
            journal_offline: None,
        }
    }

    /// Handles one key press at `now`. Returns whether the screen must be redrawn.
    pub fn on_key(&mut self, key: &KeyEvent, now: DateTime<Utc>) -> bool {
        match std::mem::replace(&mut self.view.mode, Mode::Normal) {
            Mode::Normal => {
                if let Some(action) = self.keys.action(key) {
                    self.update(action, now);
                }
            }
            Mode::Help => {
                if matches!(key.code, KeyCode::Char('q')) {
                    self.quit = true;
                }
            }
            Mode::Hold(mut field) => match edit(&mut field, key) {
                Edit::Submit => {
                    let cmd = Command::Hold { reason: field.text };
                    self.act(&cmd, now, "HOLD called");
                }
                Edit::Cancel => {}
                Edit::Continue => self.view.mode = Mode::Hold(field),
            },
            Mode::SetT0 { mut field, error } => match edit(&mut field, key) {
                Edit::Submit => match crate::state::t0::parse_t0(&field.text, now) {
                    Ok(t0) => {
                        let done = format!("T-0 set to {}", t0.format("%Y-%m-%d %H:%M UTC"));
                        self.act(&Command::SetT0 { t0 }, now, &done);
                    }
                    // A typo keeps the dialog and what was typed, with the reason.
                    Err(e) => {
                        self.view.mode = Mode::SetT0 {
                            field,
                            error: Some(e),
                        };
                    }
                },
                Edit::Cancel => self.flash("T-0 not changed", false),
                Edit::Continue => self.view.mode = Mode::SetT0 { field, error },
            },
            Mode::Rollback(mut field) => match edit(&mut field, key) {
                Edit::Submit => {
                    let cmd = Command::Rollback { reason: field.text };
                    if self.act(&cmd, now, "ROLLBACK started") {
                        self.focus(self.session.state.focus_phase());
                    }
                }
                Edit::Cancel => self.flash("rollback cancelled", false),
                Edit::Continue => self.view.mode = Mode::Rollback(field),
            },
            Mode::Override {
                blocking,
                mut reason,
            } => match edit(&mut reason, key) {
                Edit::Submit => {
                    let cmd = Command::Advance {
                        to: None,
                        override_reason: Some(reason.text),
                    };
                    if self.act(&cmd, now, "advanced (override recorded)") {
                        self.focus(self.session.state.focus_phase());
                    }
                }
                Edit::Cancel => self.flash("advance cancelled", false),
                Edit::Continue => self.view.mode = Mode::Override { blocking, reason },
            },
            Mode::Vote(dialog) => self.on_vote_key(dialog, key, now),
            Mode::AcceptRewrite { cmd, done } => match key.code {
                KeyCode::Char('y') => match self.session.accept_rewrite() {
                    Ok(()) => {
                        self.act(&cmd, now, &done);
                    }
                    Err(e) => self.flash(&format!("not accepted: {e}"), true),
                },
                KeyCode::Esc | KeyCode::Char('n') => {
                    self.flash("nothing written: the history stays unaccepted", false);
                }
                _ => self.view.mode = Mode::AcceptRewrite { cmd, done },
            },
            Mode::RunConfirm { task, command } => match key.code {
                KeyCode::Enter | KeyCode::Char('y') => self.start_run(task, command),
                KeyCode::Esc | KeyCode::Char('n') => self.flash("not run", false),
                _ => self.view.mode = Mode::RunConfirm { task, command },
            },
            Mode::Output => {
                self.view.mode = Mode::Output;
                if let Some(r) = self.running.as_mut() {
                    match key.code {
                        KeyCode::Up | KeyCode::Char('k') => r.pane.scroll_up(1),
                        KeyCode::Down | KeyCode::Char('j') => r.pane.scroll_down(1),
                        KeyCode::PageUp => r.pane.scroll_up(10),
                        KeyCode::PageDown => r.pane.scroll_down(10),
                        KeyCode::End => r.pane.follow(),
                        KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => {
                            self.close_or_cancel();
                        }
                        _ => {}
                    }
                } else {
                    self.view.mode = Mode::Normal;
                }
            }
        }
        true
    }

    /// Applies an action in normal mode.
    pub fn update(&mut self, action: Action, now: DateTime<Utc>) {
        let state = &self.session.state;
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.view.mode = Mode::Help,
            Action::NextPanel => self.view.panel = self.view.panel.next(),
            Action::PrevPanel => self.view.panel = self.view.panel.prev(),
            Action::Up | Action::Down => {
                let down = action == Action::Down;
                match self.view.panel {
                    Panel::Checklist => {
                        let n = state
                            .plan
                            .phases
                            .get(self.view.phase)
                            .map_or(0, |p| p.tasks.len());
                        self.view.task = step(self.view.task, n, down);
                    }
                    Panel::Timeline => {
                        let p = step(self.view.phase, state.plan.phases.len(), down);
                        self.focus(p);
                    }
                    Panel::Gates => {
                        self.view.gate = step(self.view.gate, state.plan.gates.len(), down);
                    }
                }
            }
            Action::Toggle => self.toggle(now),
            Action::Advance => self.advance(now),
            Action::Vote => self.open_vote(),
            Action::Hold => {
                if state.hold().is_some() {
                    self.act(&Command::Release { note: None }, now, "hold released");
                } else if self.check_writable() {
                    self.view.mode = Mode::Hold(TextField::default());
                }
            }
            Action::RunCommand => self.ask_run(),
            Action::SetT0 => {
                // Asked of the reducer first, so a plan with its own T-0 says so at once.
                let probe = Command::SetT0 { t0: now };
                if let Err(r) = state.decide(&probe, self.session.role.as_deref()) {
                    self.flash(&r.0, true);
                } else if self.check_writable() {
                    self.view.mode = Mode::SetT0 {
                        field: TextField::default(),
                        error: None,
                    };
                }
            }
            Action::Report => self.write_report(now),
            Action::CancelCountdown => {
                if state.rollback_countdown().is_none() {
                    self.flash("no rollback countdown is running", true);
                } else if self.check_writable() {
                    let cmd = Command::CancelCountdown {
                        note: Some("cancelled from the room".into()),
                    };
                    self.act(&cmd, now, "rollback countdown cancelled");
                }
            }
            Action::Rollback => {
                if let Some(r) = &state.rollback {
                    let msg = format!(
                        "a rollback is already running (started by {})",
                        r.started.actor
                    );
                    self.flash(&msg, true);
                } else if self.check_writable() {
                    self.view.mode = Mode::Rollback(TextField::default());
                }
            }
        }
    }

    fn toggle(&mut self, now: DateTime<Utc>) {
        let state = &self.session.state;
        let Some(task) = self.selected_task() else {
            self.flash("this phase has no tasks", true);
            return;
        };
        let id = task.id.clone();
        let cmd = if state.is_done(&id) {
            Command::Uncheck {
                task: id,
                note: None,
            }
        } else {
            Command::Check {
                task: id,
                note: None,
            }
        };
        let what = if matches!(cmd, Command::Check { .. }) {
            "ticked"
        } else {
            "unticked"
        };
        if self.act(&cmd, now, what) {
            let n = self.session.state.plan.phases[self.view.phase].tasks.len();
            if what == "ticked" && self.view.task + 1 < n {
                self.view.task += 1;
            }
        }
    }

    fn advance(&mut self, now: DateTime<Utc>) {
        let plain = Command::Advance {
            to: None,
            override_reason: None,
        };
        match self
            .session
            .state
            .decide(&plain, self.session.role.as_deref())
        {
            Ok(_) => {
                if self.act(&plain, now, "advanced") {
                    self.focus(self.session.state.focus_phase());
                }
            }
            Err(refusal) => {
                let with_override = Command::Advance {
                    to: None,
                    override_reason: Some("override".into()),
                };
                let overridable = self
                    .session
                    .state
                    .decide(&with_override, self.session.role.as_deref())
                    .is_ok();
                if overridable && self.check_writable() {
                    self.view.mode = Mode::Override {
                        blocking: refusal.0,
                        reason: TextField::default(),
                    };
                } else {
                    self.flash(&refusal.0, true);
                }
            }
        }
    }

    fn open_vote(&mut self) {
        if !self.check_writable() {
            return;
        }
        let state = &self.session.state;
        if state.plan.gates.is_empty() {
            self.flash("this plan has no go/no-go gates", true);
            return;
        }
        // The selected gate in the gates panel; elsewhere the shown phase's first open gate.
        let gate = if self.view.panel == Panel::Gates {
            self.view.gate
        } else {
            let phase_id = &state.plan.phases[self.view.phase].id;
            state
                .plan
                .gates
                .iter()
                .enumerate()
                .filter(|(_, g)| &g.phase == phase_id)
                .find(|(i, _)| state.gate_decision(*i) != crate::state::Decision::Go)
                .or_else(|| {
                    state
                        .plan
                        .gates
                        .iter()
                        .enumerate()
                        .find(|(_, g)| &g.phase == phase_id)
                })
                .map_or(self.view.gate, |(i, _)| i)
        }
        .min(state.plan.gates.len() - 1);
        let g = &state.plan.gates[gate];
        let roles = if !g.voters.is_empty() {
            g.voters.clone()
        } else if let Some(r) = &self.session.role {
            vec![r.clone()]
        } else {
            vec!["operator".to_string()]
        };
        let role = self
            .session
            .role
            .as_ref()
            .and_then(|r| roles.iter().position(|x| x.eq_ignore_ascii_case(r)))
            .or_else(|| {
                roles
                    .iter()
                    .position(|r| !state.votes[gate].iter().any(|v| &v.role == r))
            })
            .unwrap_or(0);
        self.view.gate = gate;
        self.view.mode = Mode::Vote(VoteDialog {
            gate,
            roles,
            role,
            vote: Vote::Go,
            note: TextField::default(),
            field: VoteField::Vote,
        });
    }

    fn on_vote_key(&mut self, mut d: VoteDialog, key: &KeyEvent, now: DateTime<Utc>) {
        let cycle = |i: usize, n: usize, fwd: bool| if fwd { (i + 1) % n } else { (i + n - 1) % n };
        match key.code {
            KeyCode::Esc => {
                self.flash("vote cancelled", false);
                return;
            }
            KeyCode::Tab | KeyCode::Down => {
                d.field = match d.field {
                    VoteField::Role => VoteField::Vote,
                    VoteField::Vote => VoteField::Note,
                    VoteField::Note => VoteField::Role,
                };
            }
            KeyCode::BackTab | KeyCode::Up => {
                d.field = match d.field {
                    VoteField::Role => VoteField::Note,
                    VoteField::Vote => VoteField::Role,
                    VoteField::Note => VoteField::Vote,
                };
            }
            KeyCode::Left | KeyCode::Right if d.field != VoteField::Note => {
                let fwd = key.code == KeyCode::Right;
                if d.field == VoteField::Role {
                    d.role = cycle(d.role, d.roles.len(), fwd);
                } else {
                    let all = [Vote::Go, Vote::NoGo, Vote::Hold];
                    let i = all.iter().position(|v| *v == d.vote).unwrap_or(0);
                    d.vote = all[cycle(i, 3, fwd)];
                }
            }
            KeyCode::Enter => {
                let cmd = Command::Vote {
                    gate: self.session.state.plan.gates[d.gate].id.clone(),
                    role: d.roles.get(d.role).cloned(),
                    vote: d.vote,
                    note: Some(d.note.text.trim().to_string()).filter(|n| !n.is_empty()),
                };
                if !self.act(&cmd, now, "vote recorded") {
                    // Keep the dialog, on the note, so the user can add the missing reason.
                    d.field = VoteField::Note;
                    self.view.mode = Mode::Vote(d);
                }
                return;
            }
            _ if d.field == VoteField::Note => {
                edit(&mut d.note, key);
            }
            KeyCode::Char('g' | 'G') => d.vote = Vote::Go,
            KeyCode::Char('n' | 'N') => d.vote = Vote::NoGo,
            KeyCode::Char('h' | 'H') => d.vote = Vote::Hold,
            _ => {}
        }
        self.view.mode = Mode::Vote(d);
    }

    /// The task selected in the shown checklist, if the phase has tasks.
    #[must_use]
    pub fn selected_task(&self) -> Option<&crate::plan::Task> {
        self.session
            .state
            .plan
            .phases
            .get(self.view.phase)
            .and_then(|p| p.tasks.get(self.view.task))
    }

    /// Shows the phase `i`'s checklist.
    pub fn focus(&mut self, i: usize) {
        if i != self.view.phase {
            self.view.phase = i;
            self.view.task = 0;
        }
    }

    fn check_writable(&mut self) -> bool {
        if self.session.follower {
            self.flash(
                "follower (--follow): this screen only watches; open without --follow to act",
                true,
            );
            false
        } else {
            true
        }
    }

    /// Runs a command through the session; shows the outcome. Returns whether it was journaled.
    fn act(&mut self, cmd: &Command, now: DateTime<Utc>, done: &str) -> bool {
        if self.session.rewrite.is_some() && !self.session.follower {
            // Writing would chain onto a history nobody vouched for: ask first.
            self.view.mode = Mode::AcceptRewrite {
                cmd: cmd.clone(),
                done: done.to_string(),
            };
            return false;
        }
        if let Some(why) = self.offline_refusal() {
            self.flash(&why, true);
            return false;
        }
        let evidence = self.board.evidence(&self.session.state.plan, now);
        match self.session.act_with(cmd, Some(&evidence), now) {
            Ok(ev) => {
                self.flash(&format!("{done} (journal #{})", ev.seq), false);
                true
            }
            Err(e) => {
                self.note_offline(&e, now);
                self.flash(&e.to_string(), true);
                false
            }
        }
    }

    /// Writes the report beside the plan, in HTML (to open in a browser) and Markdown (to
    /// paste into a ticket). Any viewer may: it reads the journal and writes no event.
    fn write_report(&mut self, now: DateTime<Utc>) {
        // Read the journal once for both files: a long journal takes a noticeable moment.
        let report = match self.session.report(now) {
            Ok(r) => r,
            Err(e) => return self.flash(&format!("report not written: journal: {e}"), true),
        };
        let mut written = Vec::new();
        for format in [crate::report::Format::Html, crate::report::Format::Md] {
            match self.session.write_report(&report, format, None) {
                Ok(path) => written.push(path.display().to_string()),
                Err(e) => return self.flash(&format!("report not written: {e}"), true),
            }
        }
        self.flash(&format!("report written: {}", written.join(" and ")), false);
    }

    fn flash(&mut self, text: &str, error: bool) {
        self.view.flash = Some((text.to_string(), error));
    }

    /// Folds in events other viewers appended. Returns whether the screen changed: something
    /// new arrived, the journal went offline (noted at the current time), or it came back.
    pub fn on_journal_change(&mut self) -> bool {
        let now = Utc::now();
        match self.session.catch_up() {
            Ok(n) => {
                if self.journal_offline.take().is_some() {
                    self.flash(
                        &format!("journal back online: caught up ({n} new events)"),
                        false,
                    );
                    return true;
                }
                n > 0
            }
            Err(e) => {
                self.note_offline(&e, now);
                self.flash(&e.to_string(), true);
                true
            }
        }
    }

    /// Marks the journal offline (keeping the first moment) when `e` says the database could
    /// not be reached.
    fn note_offline(&mut self, e: &crate::session::SessionError, now: DateTime<Utc>) {
        use crate::journal::JournalError;
        if let crate::session::SessionError::Journal(JournalError::Database { detail, .. }) = e {
            let since = self.journal_offline.as_ref().map_or(now, |(t, _)| *t);
            self.journal_offline = Some((since, detail.clone()));
        }
    }

    /// The header's words while the journal is offline: `journal offline since HH:MM,
    /// reconnecting` (UTC).
    #[must_use]
    pub fn offline_line(&self) -> Option<String> {
        self.journal_offline.as_ref().map(|(since, _)| {
            format!(
                "journal offline since {} UTC, reconnecting",
                crate::ui::hm(*since)
            )
        })
    }

    /// Why an action is refused now, when the journal is offline: nothing could be committed,
    /// so nothing is shown as done.
    fn offline_refusal(&self) -> Option<String> {
        let (_, why) = self.journal_offline.as_ref()?;
        Some(format!(
            "not done, nothing written: {} ({why}); try again once it is back",
            self.offline_line().unwrap_or_default()
        ))
    }
}

fn step(i: usize, n: usize, down: bool) -> usize {
    if n == 0 {
        0
    } else if down {
        (i + 1).min(n - 1)
    } else {
        i.saturating_sub(1)
    }
}

enum Edit {
    Submit,
    Cancel,
    Continue,
}

fn edit(field: &mut TextField, key: &KeyEvent) -> Edit {
    match key.code {
        KeyCode::Enter => Edit::Submit,
        KeyCode::Esc => Edit::Cancel,
        KeyCode::Backspace => {
            field.text.pop();
            Edit::Continue
        }
        KeyCode::Char(c) if !c.is_control() && field.text.len() < 500 => {
            field.text.push(c);
            Edit::Continue
        }
        _ => Edit::Continue,
    }
}
