//! Actions: what a key means. Only `App::update` turns them into changes.

use serde::{Deserialize, Serialize};

/// Something the user asked the room to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Leave the room.
    Quit,
    /// Show or hide the key help.
    Help,
    /// Focus the next panel.
    NextPanel,
    /// Focus the previous panel.
    PrevPanel,
    /// Move the selection up.
    Up,
    /// Move the selection down.
    Down,
    /// Tick or untick the selected task.
    Toggle,
    /// Advance to the next phase.
    Advance,
    /// Open the go/no-go dialog for the selected gate.
    Vote,
    /// Call a hold, or release the one in force.
    Hold,
    /// Start a rollback (asks for confirmation and a reason).
    Rollback,
    /// Cancel the rollback countdown a fired trigger started.
    CancelCountdown,
    /// Run the selected task's command (asks to confirm).
    RunCommand,
    /// Write the post-deployment report (HTML and Markdown) beside the plan.
    Report,
    /// Set T-0 (asks for the date and time), while neither the plan nor `--start` gives it.
    SetT0,
    /// Type a filter for the checklist and the feed (this viewer only, never journaled).
    Filter,
    /// Clear the filter.
    ClearFilter,
}
