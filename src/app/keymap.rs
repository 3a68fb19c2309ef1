//! The key map: one table from which dispatch, the footer and the `?` help are all made.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// One binding: the keys, the action, and the words shown in help.
#[derive(Debug, Clone)]
pub struct Binding {
    /// Keys that trigger the action.
    pub keys: Vec<KeyCode>,
    /// What they do.
    pub action: Action,
    /// Key names as shown ("j/↓").
    pub label: &'static str,
    /// Help text.
    pub help: &'static str,
    /// One word for the footer; `None`: only in the `?` help.
    pub footer: Option<&'static str>,
}

/// The room's key map.
#[derive(Debug, Clone)]
pub struct KeyMap {
    bindings: Vec<Binding>,
}

/// A key bound twice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key {0} is bound to more than one action")]
pub struct DuplicateKey(pub String);

impl KeyMap {
    /// Builds a key map, refusing a key bound to two actions.
    pub fn new(bindings: Vec<Binding>) -> Result<Self, DuplicateKey> {
        let mut seen = Vec::new();
        for b in &bindings {
            for k in &b.keys {
                if seen.contains(k) {
                    return Err(DuplicateKey(format!("{k:?}")));
                }
                seen.push(*k);
            }
        }
        Ok(KeyMap { bindings })
    }

    /// The default bindings (DESIGN.md §7).
    #[must_use]
    pub fn default_map() -> Self {
        use KeyCode::{BackTab, Char, Down, Esc, Tab, Up};
        let b = |keys: Vec<KeyCode>, action, label, help, footer| Binding {
            keys,
            action,
            label,
            help,
            footer,
        };
        let bindings = vec![
            b(
                vec![Char(' ')],
                Action::Toggle,
                "space",
                "tick / untick the selected task",
                Some("tick"),
            ),
            b(
                vec![Char('n')],
                Action::Advance,
                "n",
                "advance to the next phase",
                Some("advance"),
            ),
            b(
                vec![Char('g')],
                Action::Vote,
                "g",
                "go/no-go: record a role's vote",
                Some("go/no-go"),
            ),
            b(
                vec![Char('h')],
                Action::Hold,
                "h",
                "call a hold / release it",
                Some("hold"),
            ),
            b(
                vec![Char('R')],
                Action::Rollback,
                "R",
                "start a rollback (asks to confirm)",
                Some("rollback"),
            ),
            b(
                vec![Char('x')],
                Action::RunCommand,
                "x",
                "run the selected task's command (asks to confirm)",
                None,
            ),
            b(
                vec![Char('c')],
                Action::CancelCountdown,
                "c",
                "cancel a trigger's rollback countdown",
                None,
            ),
            b(
                vec![Char('T')],
                Action::SetT0,
                "T",
                "set T-0 (go-live) when the plan has no date",
                None,
            ),
            b(
                vec![Char('r')],
                Action::Report,
                "r",
                "write the report (HTML and Markdown) beside the plan",
                None,
            ),
            b(
                vec![Char('/')],
                Action::Filter,
                "/",
                "filter the checklist and the feed as you type (Enter keeps it)",
                Some("filter"),
            ),
            b(
                vec![Esc],
                Action::ClearFilter,
                "Esc",
                "clear the filter",
                None,
            ),
            b(
                vec![Tab],
                Action::NextPanel,
                "Tab",
                "next panel",
                Some("panel"),
            ),
            b(
                vec![BackTab],
                Action::PrevPanel,
                "S-Tab",
                "previous panel",
                None,
            ),
            b(
                vec![Char('j'), Down],
                Action::Down,
                "j/↓",
                "move down",
                None,
            ),
            b(vec![Char('k'), Up], Action::Up, "k/↑", "move up", None),
            b(
                vec![Char('?')],
                Action::Help,
                "?",
                "this help",
                Some("help"),
            ),
            b(
                vec![Char('q')],
                Action::Quit,
                "q",
                "quit (the room goes on in the journal)",
                Some("quit"),
            ),
        ];
        // The defaults are a fixed table; a duplicate there is a programming error caught by
        // the unit test below, so fall back to an empty map rather than panic.
        KeyMap::new(bindings).unwrap_or(KeyMap {
            bindings: Vec::new(),
        })
    }

    /// The action bound to `key`, if any. Ctrl-C always quits.
    #[must_use]
    pub fn action(&self, key: &KeyEvent) -> Option<Action> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Some(Action::Quit);
        }
        self.bindings
            .iter()
            .find(|b| b.keys.contains(&key.code))
            .map(|b| b.action)
    }

    /// All bindings in help order.
    #[must_use]
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_map_has_every_action_and_no_duplicates() {
        let m = KeyMap::default_map();
        assert_eq!(m.bindings().len(), 17);
        let key = KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE);
        assert_eq!(m.action(&key), Some(Action::Toggle));
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let b = |action| Binding {
            keys: vec![KeyCode::Char('x')],
            action,
            label: "x",
            help: "",
            footer: None,
        };
        assert!(KeyMap::new(vec![b(Action::Quit), b(Action::Help)]).is_err());
    }
}
