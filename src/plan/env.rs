//! `${VAR}` in plan values that must not be written down (header tokens, webhook URLs): read
//! from the environment when the room starts, never journaled, logged or drawn.

/// Why a value could not be expanded. Never carries a variable's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandError {
    /// `${` without a closing `}`.
    Unclosed,
    /// `${…}` holding something that is not a variable name (letters, digits, `_`).
    BadName,
    /// The variable is not set, or set to blanks.
    Unset(String),
}

impl ExpandError {
    /// The reason in words, for a message that names the field it is about.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            ExpandError::Unclosed => "`${` without a closing `}`".into(),
            ExpandError::BadName => {
                "`${…}` must name an environment variable (letters, digits, _)".into()
            }
            ExpandError::Unset(var) => {
                format!("needs environment variable {var}, which is not set")
            }
        }
    }
}

/// Replaces every `${VAR}` in `raw` with `env(VAR)`, trimmed; a variable set to blanks
/// counts as unset.
///
/// Errors: see [`ExpandError`].
pub fn expand(raw: &str, env: &impl Fn(&str) -> Option<String>) -> Result<String, ExpandError> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or(ExpandError::Unclosed)?;
        let var = &after[..end];
        let valid = var
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(ExpandError::BadName);
        }
        match env(var) {
            Some(v) if !v.trim().is_empty() => out.push_str(v.trim()),
            _ => return Err(ExpandError::Unset(var.to_string())),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Names of the `${VAR}` references in `raw`.
#[must_use]
pub fn refs(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        out.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_and_refuses_without_leaking_values() {
        let env = |k: &str| match k {
            "TOKEN" => Some("s3cr3t".to_string()),
            "BLANK" => Some("  ".to_string()),
            _ => None,
        };
        assert_eq!(expand("Bearer ${TOKEN}", &env).unwrap(), "Bearer s3cr3t");
        assert_eq!(
            expand("a$b ${TOKEN}${TOKEN}", &env).unwrap(),
            "a$b s3cr3ts3cr3t"
        );
        assert_eq!(
            expand("${NOPE}", &env),
            Err(ExpandError::Unset("NOPE".into()))
        );
        assert_eq!(
            expand("${BLANK}", &env),
            Err(ExpandError::Unset("BLANK".into()))
        );
        assert_eq!(expand("${TOKEN", &env), Err(ExpandError::Unclosed));
        assert_eq!(expand("${1X}", &env), Err(ExpandError::BadName));
        assert!(
            !ExpandError::Unset("TOKEN".into())
                .describe()
                .contains("s3cr3t")
        );
        assert_eq!(refs("a ${X} b ${Y_2}"), vec!["X", "Y_2"]);
    }
}
