//! The `/` filter: narrows the shown checklist and the journal feed to what contains the typed
//! words. Private to this viewer, never journaled; the app and the screen ask the same
//! functions here, so what is drawn is what the keys move over.

use crate::plan::Task;
use crate::state::FeedItem;

/// Whether `text` contains `query`, ignoring case; an empty query matches everything.
#[must_use]
pub fn matches(query: &str, text: &str) -> bool {
    let query = query.trim();
    query.is_empty() || text.to_lowercase().contains(&query.to_lowercase())
}

/// Whether a task is shown under `query`: its text or its owner matches.
#[must_use]
pub fn task_matches(query: &str, task: &Task) -> bool {
    matches(query, &task.text) || task.owner.as_deref().is_some_and(|o| matches(query, o))
}

/// Indices of the tasks shown under `query`, in plan order.
#[must_use]
pub fn visible_tasks(tasks: &[Task], query: &str) -> Vec<usize> {
    tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| task_matches(query, t))
        .map(|(i, _)| i)
        .collect()
}

/// Whether a feed line is shown under `query`: its text or who wrote it matches.
#[must_use]
pub fn feed_matches(query: &str, item: &FeedItem) -> bool {
    matches(query, &item.text) || matches(query, &item.actor)
}

impl super::App {
    /// Indices of the shown phase's tasks that the filter lets through.
    #[must_use]
    pub fn visible_tasks(&self) -> Vec<usize> {
        self.session
            .state
            .plan
            .phases
            .get(self.view.phase)
            .map(|p| visible_tasks(&p.tasks, &self.view.filter))
            .unwrap_or_default()
    }

    /// Moves the task selection to the next (or previous) shown task.
    pub(super) fn step_task(&mut self, down: bool) {
        let shown = self.visible_tasks();
        let at = shown.iter().position(|&i| i == self.view.task);
        let next = match at {
            Some(k) if down => shown.get(k + 1),
            Some(k) => k.checked_sub(1).and_then(|k| shown.get(k)),
            // The selection was hidden: the first shown task after (or before) it.
            None if down => shown.iter().find(|&&i| i > self.view.task),
            None => shown.iter().rev().find(|&&i| i < self.view.task),
        };
        if let Some(&i) = next.or(at.map(|k| &shown[k])) {
            self.view.task = i;
        }
    }

    /// Keeps the selection on a shown task: the first one at or after it, else the last.
    pub(super) fn snap_task(&mut self) {
        let shown = self.visible_tasks();
        if shown.contains(&self.view.task) {
            return;
        }
        if let Some(&i) = shown.iter().find(|&&i| i > self.view.task).or(shown.last()) {
            self.view.task = i;
        }
    }

    /// One key while the filter is typed: letters narrow at once, arrows move over what is
    /// shown, Enter keeps the filter, Esc clears it.
    pub(super) fn on_filter_key(&mut self, key: &crossterm::event::KeyEvent) {
        use crossterm::event::KeyCode;
        self.view.mode = super::Mode::Filter;
        match key.code {
            KeyCode::Enter => self.view.mode = super::Mode::Normal,
            KeyCode::Esc => {
                self.view.filter.clear();
                self.view.mode = super::Mode::Normal;
            }
            KeyCode::Up => self.step_task(false),
            KeyCode::Down => self.step_task(true),
            KeyCode::Backspace => {
                self.view.filter.pop();
            }
            // A filter is a few words; a paste of a megabyte is not one.
            KeyCode::Char(c) if !c.is_control() && self.view.filter.chars().count() < MAX_CHARS => {
                self.view.filter.push(c);
            }
            _ => {}
        }
        self.snap_task();
    }
}

/// The longest filter kept, in characters.
const MAX_CHARS: usize = 100;

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn matching_ignores_case_and_an_empty_query_matches_all() {
        assert!(matches("", "anything"));
        assert!(matches("  ", "anything"));
        assert!(matches("dns", "Switch DNS to the new load balancer"));
        assert!(matches("İ", "İstanbul"));
        assert!(!matches("rollback", "Switch DNS"));
    }
}
