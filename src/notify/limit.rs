//! The rate limit (at most `max` posts in any rolling window) and the retry backoff. Pure:
//! the times are passed in; the post times themselves live in the sidecar so every viewer
//! counts the same posts.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// At most `max` posts in any `window` (a rolling minute in production).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Posts allowed per window.
    pub max: u32,
    /// The window's length.
    pub window: Duration,
}

impl RateLimit {
    fn window(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.window).unwrap_or(chrono::Duration::MAX)
    }

    /// The posts in `sent` that still count at `now` (made less than a window ago).
    pub fn recent<'a>(
        &self,
        sent: &'a [DateTime<Utc>],
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = &'a DateTime<Utc>> {
        let w = self.window();
        sent.iter()
            .filter(move |t| now.signed_duration_since(**t) < w)
    }

    /// How many posts may be made at `now`.
    #[must_use]
    pub fn free(&self, sent: &[DateTime<Utc>], now: DateTime<Utc>) -> usize {
        (self.max as usize).saturating_sub(self.recent(sent, now).count())
    }

    /// When the next post may be made, if not now (`None`: never, `max` is 0).
    #[must_use]
    pub fn next_free(&self, sent: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.max == 0 {
            return None;
        }
        let mut recent: Vec<&DateTime<Utc>> = self.recent(sent, now).collect();
        if recent.len() < self.max as usize {
            return Some(now);
        }
        recent.sort();
        // The slot that frees first is that of the post which leaves the window first, such
        // that fewer than `max` remain.
        let k = recent.len() - self.max as usize;
        Some(*recent[k] + self.window())
    }

    /// `sent` without the posts that no longer count (kept in the sidecar).
    #[must_use]
    pub fn prune(&self, sent: &[DateTime<Utc>], now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        self.recent(sent, now).copied().collect()
    }
}

/// How to post the backlog when `free` posts are allowed and `pending` events wait: one event
/// on its own while that leaves a post for the rest; when only one post is left and more than
/// one event waits, all of them folded into it (nothing dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batch {
    /// Nothing can be posted now.
    None,
    /// Post the first event alone.
    Single,
    /// Post the first `n` events as one summary.
    Fold(usize),
}

/// See [`Batch`].
#[must_use]
pub fn batch(pending: usize, free: usize) -> Batch {
    match (pending, free) {
        (0, _) | (_, 0) => Batch::None,
        (1, _) => Batch::Single,
        (n, 1) => Batch::Fold(n),
        _ => Batch::Single,
    }
}

/// Delay before retry `failures` (1-based): `base`, `2·base`, `4·base` … at most `cap`.
#[must_use]
pub fn backoff(failures: u32, base: Duration, cap: Duration) -> Duration {
    let shift = failures.saturating_sub(1).min(30);
    base.saturating_mul(1 << shift).min(cap)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 14, 0, 0).single().unwrap() + chrono::Duration::seconds(s)
    }

    #[test]
    fn a_rolling_window_counts_recent_posts() {
        let rl = RateLimit {
            max: 3,
            window: Duration::from_secs(60),
        };
        assert_eq!(rl.free(&[], t(0)), 3);
        assert_eq!(rl.next_free(&[], t(0)), Some(t(0)));
        let sent = [t(0), t(10), t(20)];
        assert_eq!(rl.free(&sent, t(30)), 0);
        assert_eq!(rl.next_free(&sent, t(30)), Some(t(60)));
        assert_eq!(rl.free(&sent, t(60)), 1);
        assert_eq!(rl.free(&sent, t(81)), 3);
        assert_eq!(rl.prune(&sent, t(65)), vec![t(10), t(20)]);
        // More posts on file than allowed (max lowered): wait for enough of them to leave.
        let rl1 = RateLimit { max: 1, ..rl };
        assert_eq!(rl1.next_free(&sent, t(30)), Some(t(80)));
        let rl0 = RateLimit { max: 0, ..rl };
        assert_eq!(rl0.next_free(&sent, t(30)), None);
    }

    #[test]
    fn the_last_free_post_carries_the_backlog() {
        assert_eq!(batch(0, 3), Batch::None);
        assert_eq!(batch(5, 0), Batch::None);
        assert_eq!(batch(1, 1), Batch::Single);
        assert_eq!(batch(5, 3), Batch::Single);
        assert_eq!(batch(2, 2), Batch::Single);
        assert_eq!(batch(5, 1), Batch::Fold(5));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = Duration::from_secs;
        let got: Vec<Duration> = (1..=10).map(|n| backoff(n, s(1), s(300))).collect();
        assert_eq!(got, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300].map(s).to_vec());
        assert_eq!(backoff(u32::MAX, s(1), s(300)), s(300));
    }
}
