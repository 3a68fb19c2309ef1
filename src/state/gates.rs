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
    /// The decision at gate `i` (index into `plan.gates`): any NO-GO wins, then any HOLD; GO
    /// needs every listed voter's GO (or, without voters, one GO).
    #[must_use]
    pub fn gate_decision(&self, i: usize) -> Decision {
        let votes = &self.votes[i];
        if votes.iter().any(|v| v.vote == Vote::NoGo) {
            return Decision::NoGo;
        }
        if votes.iter().any(|v| v.vote == Vote::Hold) {
            return Decision::Hold;
        }
        let roles = &self.plan.gates[i].voters;
        let all_go = if roles.is_empty() {
            !votes.is_empty()
        } else {
            roles.iter().all(|r| votes.iter().any(|v| &v.role == r))
        };
        if all_go {
            Decision::Go
        } else {
            Decision::Pending
        }
    }
}
