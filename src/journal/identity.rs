//! Who is acting: the operating-system user, never an environment variable or a flag
//! (DESIGN §6), so the journal's `actor` cannot be chosen by whoever types the command.

use nix::unistd::{User, gethostname, getuid};

/// `user@host` for the real user id of this process (`getuid`, looked up in the user database)
/// and the machine's host name. A user id with no database entry gives `uid<N>@host`; a host
/// with no name gives `user@localhost`.
#[must_use]
pub fn actor() -> String {
    let uid = getuid();
    let user = match User::from_uid(uid) {
        Ok(Some(u)) => u.name,
        _ => format!("uid{uid}"),
    };
    let host = gethostname()
        .ok()
        .map(|h| h.to_string_lossy().into_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    format!("{user}@{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_is_user_at_host_and_ignores_the_environment() {
        let a = actor();
        let (user, host) = a.split_once('@').expect("user@host");
        assert!(!user.is_empty() && !host.is_empty(), "{a}");
        // The name comes from the user database, so it is stable whatever $USER says.
        assert_eq!(actor(), a);
    }
}
