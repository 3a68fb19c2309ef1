//! Gate decisions from the latest vote of each role.

use crate::journal::event::Vote;

use super::RoomState;

/// A gate's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Not every voter has answered GO, and nobody said NO-GO or HOLD.
    Pending,
    /// Every voter answered GO (for a gate without voters: someone answered GO).
    Go,
    /// At least one voter answered NO-GO.
    NoGo,
    /// At least one voter asked to hold, and nobody said NO-GO.
    Hold,
}

impl Decision {
    /// Upper-case word for the screen.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Decision::Pending => "PENDING",
            Decision::Go => "GO",
            Decision::NoGo => "NO-GO",
            Decision::Hold => "HOLD",
        }
    }

    /// `snake_case` word for JSON.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Decision::Pending => "pending",
            Decision::Go => "go",
            Decision::NoGo => "no_go",
            Decision::Hold => "hold",
        }
    }
}

impl RoomState {
    /// The decision at gate `i` (index into `plan.gates`) under the gate's poll rule. It is
    /// GO once enough voters said GO, NO-GO once enough said NO-GO that GO can no longer be
    /// reached, HOLD while someone asks to hold and neither is settled, else PENDING. Under
    /// the default rule (all voters) a single NO-GO decides, as in a launch control room.
    /// A gate without voters is decided by the first answer.
    #[must_use]
    pub fn gate_decision(&self, i: usize) -> Decision {
        let gate = &self.plan.gates[i];
        // Only the latest answer of each polled role counts (a gate without voters counts
        // every answer).
        let votes: Vec<Vote> = if gate.voters.is_empty() {
            self.votes[i].iter().map(|v| v.vote).collect()
        } else {
            gate.voters
                .iter()
                .filter_map(|r| self.votes[i].iter().find(|v| &v.role == r))
                .map(|v| v.vote)
                .collect()
        };
        let count = |want: Vote| votes.iter().filter(|v| **v == want).count();
        let polled = gate.voters.len().max(1);
        let need = gate.rule.needed(polled);
        if count(Vote::Go) >= need {
            Decision::Go
        } else if polled - count(Vote::NoGo).min(polled) < need {
            Decision::NoGo
        } else if count(Vote::Hold) > 0 {
            Decision::Hold
        } else {
            Decision::Pending
        }
    }
}
