//! The app: the room as a state machine. [`App::update`] takes one [`Msg`] (a key, the clock,
//! a journal answer, a probe result, …) and is the only place the room's state changes; what
//! must wait, spawn or write comes back as [`Effect`]s for the loop (`event_loop`) to carry
//! out. Keys become [`Action`]s through the key map; writes are validated against the folded
//! state and appended by the journal worker, never on the thread that draws.

pub mod action;
pub mod commands;
pub mod filter;
pub mod keymap;
pub mod mode;
pub mod msg;
pub mod screen;
pub mod signals;
mod writes;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};

use crate::journal::event::Vote;
use crate::notify::NotifyStatus;
use crate::poll::trigger::Watch;
use crate::poll::{Board, Target};
use crate::session::Session;
use crate::state::Command;

pub use action::Action;
pub use keymap::KeyMap;
pub use mode::{Mode, Panel, TextField, VoteDialog, VoteField};
pub use msg::{Effect, Msg};
pub use screen::{Room, Screen};
use writes::{Then, Writes};

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
    /// The `/` filter over the checklist and the feed ("": none). This viewer's only.
    pub filter: String,
    /// The wall band (state, countdown and clocks in large digits) at any size (`--wall`);
    /// without it the band shows on terminals of at least [`crate::ui::WALL`].
    pub wall: bool,
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
    pub notify: Option<NotifyStatus>,
    /// The step command running or last run from this room.
    pub running: Option<commands::Running>,
    /// Selection and mode.
    pub view: View,
    /// The key map.
    pub keys: KeyMap,
    /// Writes waiting for the journal worker, and the one in flight.
    writes: Writes,
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
            notify: None,
            view: View {
                panel: Panel::Checklist,
                phase,
                task: 0,
                gate: 0,
                mode: Mode::Normal,
                flash,
                filter: String::new(),
                wall: false,
            },
            keys: KeyMap::default_map(),
            writes: Writes::default(),
            journal_offline: None,
        }
    }

    /// Takes one message at `now` and returns what the loop must carry out. The only place
    /// the room's state changes.
    pub fn update(&mut self, msg: Msg, now: DateTime<Utc>) -> Vec<Effect> {
        let mut fx = Vec::new();
        match msg {
            Msg::Key(key) => {
                self.on_key(&key, now, &mut fx);
                fx.push(Effect::Redraw);
            }
            Msg::Tick(at) => {
                self.on_tick(at);
                fx.push(Effect::Redraw);
            }
            Msg::Resize(..) => fx.push(Effect::Redraw),
            Msg::JournalChanged => self.writes.read_wanted = true,
            Msg::Journal(reply) => self.on_journal_reply(reply, now, &mut fx),
            Msg::Reading(r) => {
                if self.on_reading(r, now) {
                    fx.push(Effect::RedrawSoon);
                }
            }
            Msg::Output(o) => {
                if self.on_output(o, now) {
                    fx.push(Effect::Redraw);
                }
            }
            Msg::StepNotStarted(why) => {
                self.running = None;
                if self.view.mode == Mode::Output {
                    self.view.mode = Mode::Normal;
                }
                self.flash(&format!("not run: {why}"), true);
                fx.push(Effect::Redraw);
            }
            Msg::PlanEdited => self.reload_plan(now, &mut fx),
            Msg::NotifyStatus(status) => {
                if self.notify.as_ref() != Some(&status) {
                    self.notify = Some(status);
                    fx.push(Effect::Redraw);
                }
            }
            Msg::ReportWritten(written) => {
                match written {
                    Ok(paths) => {
                        let paths: Vec<String> =
                            paths.iter().map(|p| p.display().to_string()).collect();
                        self.flash(&format!("report written: {}", paths.join(" and ")), false);
                    }
                    Err(e) => self.flash(&format!("report not written: {e}"), true),
                }
                fx.push(Effect::Redraw);
            }
            Msg::NotifierOff(why) => {
                self.notify = None;
                self.flash(&why, true);
                fx.push(Effect::Redraw);
            }
        }
        self.pump(now, &mut fx);
        fx
    }

    /// One key press at `now`, in the current mode.
    fn on_key(&mut self, key: &KeyEvent, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        match std::mem::replace(&mut self.view.mode, Mode::Normal) {
            Mode::Normal => {
                if let Some(action) = self.keys.action(key) {
                    self.on_action(action, now, fx);
                }
            }
            Mode::Help(scroll) => match key.code {
                KeyCode::Char('q') => fx.push(Effect::Quit),
                // A help longer than the terminal scrolls; the drawing clamps the offset.
                KeyCode::Char('j') | KeyCode::Down => {
                    self.view.mode = Mode::Help(scroll.saturating_add(1));
                }
                KeyCode::Char('k') | KeyCode::Up => {
                    self.view.mode = Mode::Help(scroll.saturating_sub(1));
                }
                _ => {}
            },
            Mode::Filter => self.on_filter_key(key),
            Mode::Hold(mut field) => match edit(&mut field, key) {
                Edit::Submit => {
                    let cmd = Command::Hold { reason: field.text };
                    self.act(&cmd, now, "HOLD called", Then::Nothing);
                }
                Edit::Cancel => {}
                Edit::Continue => self.view.mode = Mode::Hold(field),
            },
            Mode::SetT0 { mut field, error } => match edit(&mut field, key) {
                Edit::Submit => match crate::state::t0::parse_t0(&field.text, now) {
                    Ok(t0) => {
                        let done = format!("T-0 set to {}", t0.format("%Y-%m-%d %H:%M UTC"));
                        self.act(&Command::SetT0 { t0 }, now, &done, Then::Nothing);
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
                    self.act(&cmd, now, "ROLLBACK started", Then::Focus);
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
                    self.act(&cmd, now, "advanced (override recorded)", Then::Focus);
                }
                Edit::Cancel => self.flash("advance cancelled", false),
                Edit::Continue => self.view.mode = Mode::Override { blocking, reason },
            },
            Mode::Vote(dialog) => self.on_vote_key(dialog, key, now),
            Mode::AcceptRewrite { cmd, done } => match key.code {
                KeyCode::Char('y') => match self.session.accept_rewrite() {
                    Ok(()) => {
                        self.act(&cmd, now, &done, Then::Nothing);
                    }
                    Err(e) => self.flash(&format!("not accepted: {e}"), true),
                },
                KeyCode::Esc | KeyCode::Char('n') => {
                    self.flash("nothing written: the history stays unaccepted", false);
                }
                _ => self.view.mode = Mode::AcceptRewrite { cmd, done },
            },
            Mode::RunConfirm { task, command } => match key.code {
                KeyCode::Enter | KeyCode::Char('y') => self.start_run(task, command, fx),
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
                            self.close_or_cancel(fx);
                        }
                        _ => {}
                    }
                } else {
                    self.view.mode = Mode::Normal;
                }
            }
        }
    }

    /// Applies an action asked for in normal mode.
    fn on_action(&mut self, action: Action, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        let state = &self.session.state;
        match action {
            Action::Quit => fx.push(Effect::Quit),
            Action::Help => self.view.mode = Mode::Help(0),
            Action::Filter => {
                // The filter narrows the checklist: give it the keys.
                self.view.panel = Panel::Checklist;
                self.view.mode = Mode::Filter;
            }
            Action::ClearFilter => {
                self.view.filter.clear();
                self.snap_task();
            }
            Action::NextPanel => self.view.panel = self.view.panel.next(),
            Action::PrevPanel => self.view.panel = self.view.panel.prev(),
            Action::Up | Action::Down => {
                let down = action == Action::Down;
                match self.view.panel {
                    Panel::Checklist => self.step_task(down),
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
                    self.act(
                        &Command::Release { note: None },
                        now,
                        "hold released",
                        Then::Nothing,
                    );
                } else if self.may(
                    &Command::Hold {
                        reason: ASKED.into(),
                    },
                    now,
                ) {
                    self.view.mode = Mode::Hold(TextField::default());
                }
            }
            Action::RunCommand => self.ask_run(),
            Action::SetT0 => {
                // Asked before the dialog, so a plan with its own T-0 says so at once.
                if self.may(&Command::SetT0 { t0: now }, now) {
                    self.view.mode = Mode::SetT0 {
                        field: TextField::default(),
                        error: None,
                    };
                }
            }
            Action::Report => {
                // Any viewer may: it reads the journal and writes no event. The worker reads
                // the journal; the answer comes back as `Msg::ReportWritten`.
                self.flash("writing the report…", false);
                fx.push(Effect::WriteReport(Box::new(self.session.report_job())));
            }
            Action::CancelCountdown => {
                let cmd = Command::CancelCountdown {
                    note: Some("cancelled from the room".into()),
                };
                if self.may(&cmd, now) {
                    self.act(&cmd, now, "rollback countdown cancelled", Then::Nothing);
                }
            }
            Action::Rollback => {
                if self.may(
                    &Command::Rollback {
                        reason: ASKED.into(),
                    },
                    now,
                ) {
                    self.view.mode = Mode::Rollback(TextField::default());
                }
            }
        }
    }

    fn toggle(&mut self, now: DateTime<Utc>) {
        let state = &self.session.state;
        let Some(task) = self.selected_task() else {
            let why = if self.view.filter.is_empty() {
                "this phase has no tasks"
            } else {
                "no task of this phase matches the filter (Esc clears it)"
            };
            self.flash(why, true);
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
        let then = if what == "ticked" {
            Then::NextTask
        } else {
            Then::Nothing
        };
        self.act(&cmd, now, what, then);
    }

    fn advance(&mut self, now: DateTime<Utc>) {
        let plain = Command::Advance {
            to: None,
            override_reason: None,
        };
        let blocking = match self.session.prepare(&plain, None, now) {
            Ok(_) => return self.act(&plain, now, "advanced", Then::Focus),
            Err(e) => e.to_string(),
        };
        // Refused: when the rules let a recorded reason pass what blocks (a gate not GO),
        // the dialog asks for that reason.
        let with_override = Command::Advance {
            to: None,
            override_reason: Some(ASKED.into()),
        };
        if self.session.prepare(&with_override, None, now).is_ok() {
            self.view.mode = Mode::Override {
                blocking,
                reason: TextField::default(),
            };
        } else {
            self.flash(&blocking, true);
        }
    }

    fn open_vote(&mut self) {
        if !self.writable() {
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
                // Refused (now or by the journal): the dialog comes back, on the note, so the
                // user can add the missing reason.
                d.field = VoteField::Note;
                self.act(&cmd, now, "vote recorded", Then::VoteAgain(d));
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
        // A task the filter hides is not acted on.
        self.session
            .state
            .plan
            .phases
            .get(self.view.phase)
            .and_then(|p| p.tasks.get(self.view.task))
            .filter(|t| filter::task_matches(&self.view.filter, t))
    }

    /// Shows the phase `i`'s checklist.
    pub fn focus(&mut self, i: usize) {
        if i != self.view.phase {
            self.view.phase = i;
            self.view.task = 0;
            self.snap_task();
        }
    }

    /// Whether `cmd` would be written now — asked of the session, which asks the room's rules
    /// (a follower, a blocked journal, the actor's roles, the reducer); says why not. A dialog
    /// asks this before it opens, with what it will collect filled in, so that it only opens
    /// when its answer could be written.
    fn may(&mut self, cmd: &Command, now: DateTime<Utc>) -> bool {
        match self.session.prepare(cmd, None, now) {
            Ok(_) => true,
            Err(e) => {
                self.flash(&e.to_string(), true);
                false
            }
        }
    }

    /// Whether this room may write at all (not a follower, the journal not blocked); says
    /// why not.
    fn writable(&mut self) -> bool {
        match self.session.writable() {
            Ok(()) => true,
            Err(e) => {
                self.flash(&e.to_string(), true);
                false
            }
        }
    }

    pub(crate) fn flash(&mut self, text: &str, error: bool) {
        self.view.flash = Some((text.to_string(), error));
    }
}

/// The text a dialog has not collected yet, in a probe (see [`App::may`]).
const ASKED: &str = "(asked in the dialog)";

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
