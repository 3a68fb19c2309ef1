//! Modes of the room: what the keys mean right now. One enum instead of a bag of flags.

use crate::journal::event::Vote;

/// The panels `Tab` moves between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    /// The selected phase's checklist.
    Checklist,
    /// The timeline (selects which phase's checklist is shown).
    Timeline,
    /// The go/no-go gates.
    Gates,
}

impl Panel {
    /// The next panel in Tab order.
    #[must_use]
    pub fn next(self) -> Panel {
        match self {
            Panel::Checklist => Panel::Timeline,
            Panel::Timeline => Panel::Gates,
            Panel::Gates => Panel::Checklist,
        }
    }

    /// The previous panel.
    #[must_use]
    pub fn prev(self) -> Panel {
        self.next().next()
    }
}

/// A one-line text field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextField {
    /// What was typed.
    pub text: String,
}

/// Which field of the vote dialog has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteField {
    /// ←/→ choose the role.
    Role,
    /// ←/→ choose GO / NO-GO / HOLD.
    Vote,
    /// Typing goes into the note.
    Note,
}

/// The go/no-go dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteDialog {
    /// Index of the gate in `plan.gates`.
    pub gate: usize,
    /// Roles that may answer (the gate's voters, else the plan's roles, else "operator").
    pub roles: Vec<String>,
    /// Index into `roles`.
    pub role: usize,
    /// The answer chosen.
    pub vote: Vote,
    /// Why.
    pub note: TextField,
    /// The field with the keys.
    pub field: VoteField,
}

/// What the keys do now.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Moving around and acting.
    Normal,
    /// The key help, scrolled down by this many lines (when it does not fit).
    Help(u16),
    /// Typing the filter (`/`): each key narrows the checklist and the feed at once.
    Filter,
    /// Recording a vote.
    Vote(VoteDialog),
    /// Typing the reason for a hold.
    Hold(TextField),
    /// Confirming a rollback: a reason is required.
    Rollback(TextField),
    /// Typing T-0 (date and time, UTC) for a plan that names none.
    SetT0 {
        /// What is typed.
        field: TextField,
        /// Why the last attempt was not understood, shown in the dialog.
        error: Option<String>,
    },
    /// Advancing past gates that are not GO: a reason is required.
    Override {
        /// What blocks ("gate not GO: …").
        blocking: String,
        /// The reason being typed.
        reason: TextField,
    },
    /// Confirming a step's command before it runs.
    RunConfirm {
        /// The task.
        task: String,
        /// The command line.
        command: String,
    },
    /// The output pane of the command running (or just finished).
    Output,
    /// The first write since the journal's history was rewritten: asks whether to accept the
    /// journal as it is now (as `warroom verify --accept-rewrite` does) before acting.
    AcceptRewrite {
        /// What was asked for.
        cmd: crate::state::Command,
        /// What to say once it is journaled.
        done: String,
    },
}
