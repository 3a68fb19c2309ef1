//! Styles. Only the 16 basic colours, so 16-colour terminals show the same; with `NO_COLOR`
//! set (<https://no-color.org>) every style is colourless and status is carried by words,
//! symbols, bold and reverse video alone.

use ratatui::style::{Color, Modifier, Style};

/// The styles widgets draw with.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    /// Panel titles.
    pub title: Style,
    /// The focused panel's title.
    pub focus_title: Style,
    /// The focused panel's border.
    pub focus: Style,
    /// Borders and secondary text.
    pub dim: Style,
    /// Good: GO, UP, done.
    pub good: Style,
    /// Needs attention: HOLD, pending gates, overrun.
    pub warn: Style,
    /// Bad: NO-GO, DOWN, ROLLBACK.
    pub bad: Style,
    /// The selected row.
    pub selected: Style,
    /// Plain text.
    pub text: Style,
}

impl Theme {
    /// The theme for this terminal: colourless when `NO_COLOR` is set and not empty.
    #[must_use]
    pub fn from_env() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if no_color {
            Self::mono()
        } else {
            Self::color()
        }
    }

    /// Colours from the basic 16.
    #[must_use]
    pub fn color() -> Self {
        let bold = Modifier::BOLD;
        Theme {
            title: Style::new().add_modifier(bold),
            focus_title: Style::new().fg(Color::Cyan).add_modifier(bold),
            focus: Style::new().fg(Color::Cyan),
            dim: Style::new().fg(Color::DarkGray),
            good: Style::new().fg(Color::Green).add_modifier(bold),
            warn: Style::new().fg(Color::Yellow).add_modifier(bold),
            bad: Style::new().fg(Color::Red).add_modifier(bold),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            text: Style::new(),
        }
    }

    /// No colour at all.
    #[must_use]
    pub fn mono() -> Self {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        Theme {
            title: bold,
            focus_title: bold.add_modifier(Modifier::UNDERLINED),
            focus: bold,
            dim: Style::new(),
            good: bold,
            warn: bold,
            bad: bold.add_modifier(Modifier::REVERSED),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            text: Style::new(),
        }
    }
}
