//! Roles and who fills them.
//!
//! A TOML plan (or a wiring file beside a Markdown runbook) writes either a list of role names,
//! `roles = ["Release Manager", "SRE"]` — every operator may act in any of them — or a table
//! naming the members of each role, in polling order:
//!
//! ```toml
//! [roles]
//! "Release Manager" = ["alice"]          # the first role leads unless `lead` names another
//! SRE = ["bob", "carol@ops-host"]        # a user, or user@host to pin one machine
//! QA = "dave"
//! ```
//!
//! Members are operating-system users (the journal's `actor` is `user@host`), never names
//! from a flag or an environment variable.

use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One role and its members (empty: anyone may act in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// The role's name as the plan writes it ("Release Manager").
    pub name: String,
    /// Operating-system users who fill it: `alice` (any host) or `alice@host`.
    pub members: Vec<String>,
}

/// The plan's roles in polling order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Roles(pub Vec<Role>);

impl Roles {
    /// Roles with these names and no members.
    #[must_use]
    pub fn from_names(names: impl IntoIterator<Item = String>) -> Roles {
        let mut r = Roles::default();
        for n in names {
            r.add(&n);
        }
        r
    }

    /// Whether the plan names no roles.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of roles.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Role names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|r| r.name.as_str())
    }

    /// The names joined with `, ` (for messages).
    #[must_use]
    pub fn list(&self) -> String {
        self.names().collect::<Vec<_>>().join(", ")
    }

    /// The plan's spelling of role `name` (compared ignoring case).
    #[must_use]
    pub fn canonical(&self, name: &str) -> Option<&str> {
        self.names().find(|n| n.eq_ignore_ascii_case(name.trim()))
    }

    /// Adds a role with no members, unless one of that name exists.
    pub fn add(&mut self, name: &str) {
        if self.canonical(name).is_none() && !name.trim().is_empty() {
            self.0.push(Role {
                name: name.trim().to_string(),
                members: Vec::new(),
            });
        }
    }

    /// Adds `other`'s roles and members (a wiring file naming the members of a runbook's roles).
    pub fn merge(&mut self, other: Roles) {
        for role in other.0 {
            self.add(&role.name);
            if let Some(mine) = self
                .0
                .iter_mut()
                .find(|r| r.name.eq_ignore_ascii_case(&role.name))
            {
                for m in role.members {
                    if !mine.members.contains(&m) {
                        mine.members.push(m);
                    }
                }
            }
        }
    }

    /// Whether any role names members; if none does, every operator may act in every role.
    #[must_use]
    pub fn has_members(&self) -> bool {
        self.0.iter().any(|r| !r.members.is_empty())
    }

    /// Whether `actor` (`user@host`) fills role `name`. A role without members is open to
    /// everyone.
    #[must_use]
    pub fn fills(&self, actor: &str, name: &str) -> bool {
        let Some(role) = self.0.iter().find(|r| r.name.eq_ignore_ascii_case(name)) else {
            return false;
        };
        role.members.is_empty() || role.members.iter().any(|m| member_is(m, actor))
    }

    /// The roles `actor` is a named member of, in plan order.
    #[must_use]
    pub fn of(&self, actor: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|r| r.members.iter().any(|m| member_is(m, actor)))
            .map(|r| r.name.as_str())
            .collect()
    }
}

/// `alice` matches `alice@any-host`; `alice@host` matches only that host.
fn member_is(member: &str, actor: &str) -> bool {
    let member = member.trim();
    if member.contains('@') {
        member.eq_ignore_ascii_case(actor)
    } else {
        actor.split('@').next() == Some(member)
    }
}

impl Serialize for Roles {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.has_members() {
            let mut m = s.serialize_map(Some(self.0.len()))?;
            for r in &self.0 {
                m.serialize_entry(&r.name, &r.members)?;
            }
            m.end()
        } else {
            let mut q = s.serialize_seq(Some(self.0.len()))?;
            for r in &self.0 {
                q.serialize_element(&r.name)?;
            }
            q.end()
        }
    }
}

impl<'de> Deserialize<'de> for Roles {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Roles, D::Error> {
        d.deserialize_any(RolesVisitor)
    }
}

struct RolesVisitor;

/// A role's members: one user or a list.
#[derive(Deserialize)]
#[serde(untagged)]
enum Members {
    One(String),
    Many(Vec<String>),
}

impl<'de> Visitor<'de> for RolesVisitor {
    type Value = Roles;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of role names, or a table of role = [members]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Roles, A::Error> {
        let mut roles = Roles::default();
        while let Some(name) = seq.next_element::<String>()? {
            roles.add(&name);
        }
        Ok(roles)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Roles, A::Error> {
        let mut roles = Roles::default();
        while let Some((name, members)) = map.next_entry::<String, Members>()? {
            if roles.canonical(&name).is_some() {
                return Err(de::Error::custom(format!(
                    "role \"{name}\" is listed twice"
                )));
            }
            let members = match members {
                Members::One(m) => vec![m],
                Members::Many(v) => v,
            };
            roles.0.push(Role { name, members });
        }
        Ok(roles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Serialize)]
    struct P {
        roles: Roles,
    }

    #[test]
    fn a_list_or_a_table_in_document_order() {
        let p: P = toml::from_str("roles = [\"SRE\", \"QA\"]").unwrap();
        assert_eq!(p.roles.list(), "SRE, QA");
        assert!(!p.roles.has_members());
        assert!(p.roles.fills("anyone@h", "qa"));

        let p: P = toml::from_str(
            "[roles]\n\"Release Manager\" = [\"alice\"]\nSRE = [\"bob\", \"carol@ops\"]\nQA = \"dave\"\n",
        )
        .unwrap();
        assert_eq!(p.roles.list(), "Release Manager, SRE, QA");
        assert!(p.roles.fills("bob@laptop", "SRE"));
        assert!(p.roles.fills("carol@ops", "sre"));
        assert!(!p.roles.fills("carol@other", "SRE"));
        assert!(!p.roles.fills("bob@laptop", "QA"));
        assert_eq!(p.roles.of("alice@wall"), vec!["Release Manager"]);
        // Written back the same way.
        let back: P = toml::from_str(&toml::to_string(&p).unwrap()).unwrap();
        assert_eq!(back.roles, p.roles);

        let dup = toml::from_str::<P>("[roles]\nSRE = []\nsre = []\n");
        assert!(dup.is_err());
    }
}
