//! Who may do what: the plan's roles and their members against the operating-system user
//! acting (`user@host`).
//!
//! A plan whose roles name no members lets every operator act, in any role. Once members are
//! named: every action needs a role the actor fills; a vote is cast for a role the actor
//! fills, or recorded by the lead role on that role's behalf (and journaled as such); what the
//! room itself observes (a fired or cleared trigger, a baseline) needs no role.

use super::RoomState;
use super::command::{Command, Refusal};

/// How an authorised command is recorded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Authority {
    /// The role the actor acts in (journaled as `acting_role`), if any.
    pub acting_role: Option<String>,
    /// Set when the lead records a vote on another role's behalf.
    pub on_behalf: bool,
}

impl RoomState {
    /// The lead role: the plan's `lead`, else its first role.
    #[must_use]
    pub fn lead_role(&self) -> Option<&str> {
        self.plan
            .lead
            .as_deref()
            .and_then(|l| self.plan.roles.canonical(l))
            .or_else(|| self.plan.roles.names().next())
    }

    /// Checks that `actor`, acting in `role` (`--role`, or None), may run `cmd`.
    ///
    /// Errors: a one-line refusal naming the roles the action needs and who fills them.
    pub fn authorize(
        &self,
        actor: &str,
        role: Option<&str>,
        cmd: &Command,
    ) -> Result<Authority, Refusal> {
        let roles = &self.plan.roles;
        if matches!(
            cmd,
            Command::FireTrigger { .. }
                | Command::ClearTrigger { .. }
                | Command::CaptureBaseline { .. }
        ) {
            return Ok(Authority::default());
        }
        if let Some(r) = role
            && roles.canonical(r).is_none()
            && !roles.is_empty()
        {
            return Err(Refusal(format!(
                "role '{r}' is not in this plan; its roles are: {}",
                roles.list()
            )));
        }
        if !roles.has_members() {
            return Ok(Authority {
                acting_role: role.and_then(|r| roles.canonical(r)).map(str::to_string),
                on_behalf: false,
            });
        }
        let mine = roles.of(actor);
        if let Command::Vote { role: voter, .. } = cmd {
            // For a vote `--role` names the role answering; the lead may answer for another.
            let voter = voter
                .as_deref()
                .or(role)
                .or_else(|| mine.first().copied())
                .map(|v| roles.canonical(v).unwrap_or(v).to_string());
            let lead = self.lead_role().unwrap_or_default().to_string();
            return match voter {
                Some(v) if roles.fills(actor, &v) => Ok(Authority {
                    acting_role: Some(v),
                    on_behalf: false,
                }),
                Some(_) if roles.fills(actor, &lead) => Ok(Authority {
                    acting_role: Some(lead),
                    on_behalf: true,
                }),
                Some(v) => Err(Refusal(format!(
                    "{actor} does not fill {v}: its members answer for it, or the lead ({lead}) records it on their behalf"
                ))),
                None => Err(Refusal(format!(
                    "{actor} has no role in this plan (roles: {}); ask the lead to add you under [roles]",
                    roles.list()
                ))),
            };
        }
        let acting = match role {
            Some(r) => {
                let r = roles.canonical(r).unwrap_or(r);
                if !roles.fills(actor, r) {
                    return Err(Refusal(format!(
                        "{actor} is not a member of {r}; your roles: {}",
                        if mine.is_empty() {
                            "none".to_string()
                        } else {
                            mine.join(", ")
                        }
                    )));
                }
                Some(r.to_string())
            }
            None => mine.first().map(|r| (*r).to_string()),
        };
        let Some(acting) = acting else {
            return Err(Refusal(format!(
                "{actor} has no role in this plan (roles: {}); ask the lead to add you under [roles]",
                roles.list()
            )));
        };
        Ok(Authority {
            acting_role: Some(acting),
            on_behalf: false,
        })
    }
}
