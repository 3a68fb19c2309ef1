//! The wording rules of the Markdown importer: which texts are go/no-go gates, rollback
//! triggers, rollback steps and approvals. Each rule works on [`norm`]alized text (lower case,
//! punctuation as spaces), so `Go/No-Go`, `go / no go` and `GO-NO-GO` read alike.

use super::norm;
use crate::plan::clean;

pub(super) fn has(n: &str, phrase: &str) -> bool {
    n.contains(&format!(" {phrase} "))
}

/// Words that name a rollback: `rollback`, `roll back`, `rolling back`, `roll-back`, `revert`,
/// and the procedures that stand for one: `contingency`, `backout`, `fallback`.
pub(super) fn names_rollback(n: &str) -> bool {
    [
        "rollback",
        "rollbacks",
        "roll back",
        "rolling back",
        "rolled back",
        "revert",
        "reverting",
        "contingency",
        "backout",
        "back out",
        "fallback",
        // Undoing an upgrade (`#### Downgrade`: back to the v3.0 binary).
        "downgrade",
        "downgrading",
    ]
    .iter()
    .any(|p| has(n, p))
}

/// `If all is OK, push to production and notify …`: an instruction that waits on the checks
/// before it coming out well.
fn all_ok_then(text: &str) -> bool {
    let Some((condition, rest)) = text.split_once(',') else {
        return false;
    };
    let c = norm(condition);
    [
        " if all is ok ",
        " if everything is ok ",
        " if all looks good ",
        " if everything looks good ",
        " if all is well ",
    ]
    .contains(&c.as_str())
        && is_instruction(rest.trim())
}

/// `You probably shouldn't issue a release until it's green`, `never deploy until the
/// freeze is lifted`: going on is forbidden until a condition holds — a hold point. `n` is
/// [`norm`]ed text. The forbidden act must be the release's own (release, deploy, ship,
/// publish, tag, merge, proceed, continue, go on): `don't panic until …` holds nothing.
fn holds_until(n: &str) -> bool {
    let Some(until) = n.find(" until ") else {
        return false;
    };
    let before = &n[..=until];
    let Some(neg) = [
        " do not ",
        " don t ",
        " should not ",
        " shouldn t ",
        " must not ",
        " mustn t ",
        " cannot ",
        " can t ",
        " never ",
    ]
    .iter()
    .filter_map(|w| before.find(w).map(|k| k + w.len() - 1))
    .min() else {
        return false;
    };
    let act = &before[neg..];
    [
        "release", "deploy", "ship", "publish", "tag", "merge", "proceed", "continue", "go on",
        "move on", "cut",
    ]
    .iter()
    .any(|w| has(act, w))
}

/// A heading that names a check-in some time after going live: `1-week results`, `One-month
/// check-in`, `30-day review`, `Week 2 follow-up`. The lead holds it on the time line after
/// T-0 (release-plan templates ask for one-week and one-month check-ins), so it is a stage
/// though it holds only fields to fill in.
#[must_use]
pub fn is_follow_up_heading(text: &str) -> bool {
    let n = norm(&clean::title(text));
    let words: Vec<&str> = n.split_whitespace().collect();
    let amount = |w: &str| {
        w.chars().all(|c| c.is_ascii_digit())
            || [
                "one", "two", "three", "four", "six", "first", "second", "third",
            ]
            .contains(&w)
    };
    let unit = |w: &str| ["day", "days", "week", "weeks", "month", "months"].contains(&w);
    let follow = [
        "results",
        "result",
        "check",
        "checkin",
        "review",
        "follow",
        "followup",
        "retro",
        "retrospective",
        "metrics",
    ];
    let interval = words.windows(2).position(|w| {
        (amount(w[0]) && unit(w[1])) || (unit(w[0]) && w[1].chars().all(|c| c.is_ascii_digit()))
    });
    interval
        .is_some_and(|k| words.len() <= k + 6 && words[k + 2..].iter().any(|w| follow.contains(w)))
}

/// A heading over procedures for when things go wrong: `Emergency Procedures`, `Incident
/// response`, `Disaster recovery`, `Contingency plans`, `Failure scenarios`.
#[must_use]
pub fn is_emergency_heading(text: &str) -> bool {
    let n = norm(text);
    [
        "emergency",
        "incident",
        "incidents",
        "disaster",
        "contingency",
        "contingencies",
        "failure scenarios",
        "recovery",
    ]
    .iter()
    .any(|w| has(&n, w))
        && !["contact", "contacts"].iter().any(|w| has(&n, w))
}

/// A heading over what a runbook is for: `Context`, `Purpose`, `Overview`, `Introduction`,
/// `Background`, `About`, `When to use this runbook`. Its prose says which event the runbook
/// answers.
#[must_use]
pub fn is_purpose_heading(text: &str) -> bool {
    let n = norm(&clean::title(text));
    [
        "context",
        "purpose",
        "overview",
        "introduction",
        "background",
        "about",
        "when to use",
        "summary",
    ]
    .iter()
    .any(|w| n.trim() == *w || n.starts_with(&format!(" {w} ")))
}

/// A go/no-go decision in any text: `Go/No-Go`, `go / no go`, `Go-No-Go`, `go-live decision`.
#[must_use]
pub fn is_gate_text(text: &str) -> bool {
    let n = norm(text);
    has(&n, "go no go") || has(&n, "go live decision") || has(&n, "golive decision")
}

/// An item that asks for a decision before work goes on: a go/no-go text ([`is_gate_text`]), a
/// sign-off (`… and sign off on the releases`), or waiting for someone's clearance or approval
/// (`Wait for clearance from Security Officer to proceed`), an approval to give (`Approve the
/// Approval stage`, `Review and approve the PR`), or a hold point (`Do not move forward until
/// this PR is merged`, `Steps 4 and 5 must be completed before proceeding`, `They must be done
/// before any of the node pools are done`), a condition the release must not go out without
/// (`Do not release with a Red CI`), or a step that waits on a person's approval (`expects a
/// human review and approval`, `will also require a human approval`; `Once approved, merge it` is
/// the step after the decision).
#[must_use]
pub fn is_decision_item(text: &str) -> bool {
    let n = norm(text);
    // `requires a human approval`, `expects a human review and approval`: the approval
    // follows the verb within a few words. A rule for whatever comes (`any PRs … require
    // approval of the Release Manager`) is a policy, not a decision point.
    let words: Vec<&str> = n.split_whitespace().collect();
    let asks_approval = words.iter().enumerate().any(|(k, w)| {
        [
            "requires", "require", "expects", "expect", "needs", "awaits",
        ]
        .contains(w)
            && !words[..k]
                .iter()
                .any(|x| matches!(*x, "any" | "all" | "every" | "each"))
            && words[k + 1..]
                .iter()
                .take(5)
                .any(|a| matches!(*a, "approval" | "approve" | "approvals"))
    });
    // `Request somebody on the deployers team review it; once approved, merge the PR`: the
    // work waits on that review.
    let review_then_merge = (has(&n, "request") || has(&n, "ask"))
        && has(&n, "review")
        && (has(&n, "once approved") || has(&n, "when approved") || has(&n, "after approval"));
    is_gate_text(text)
        || asks_approval
        || review_then_merge
        || has(&n, "human approval")
        || ["release", "deploy", "ship", "go live"]
            .iter()
            .any(|w| has(&n, &format!("do not {w} with")) || has(&n, &format!("do not {w} until")))
        || holds_until(&n)
        || has(&n, "sign off on")
        || has(&n, "signoff on")
        || has(&n, "clearance from")
        || has(&n, "approval from")
        || has(&n, "wait for approval")
        || has(&n, "ask for approval")
        // `Release Readiness Review`, `Production readiness review`: a meeting that decides.
        || has(&n, "readiness review")
        || asked_to_approve(text).is_some()
        || has(&n, "ask for an approval")
        || has(&n, "request approval")
        || has(&n, "request an approval")
        || has(&n, "wait for clearance")
        || n.starts_with(" approve ")
        || has(&n, "and approve")
        || has(&n, "do not move forward")
        || has(&n, "do not proceed")
        || has(&n, "don t proceed")
        || has(&n, "must be completed before")
        || has(&n, "must be complete before")
        || has(&n, "must be done before")
        || has(&n, "must be finished before")
        || ["resolved", "fixed", "closed", "merged", "approved", "signed off"]
            .iter()
            .any(|w| has(&n, &format!("must be {w} before")))
        || has(&n, "after approval by")
        || has(&n, "before proceeding")
        || has(&n, "before continuing")
        || has(&n, "do not continue")
        || has(&n, "pass before")
        || has(&n, "green signal")
        || has(&n, "green light")
        || has(&n, "go ahead from")
        || has(&n, "go ahead has been given")
        // `If all is OK, push to production`: going on waits on the check before it (not
        // `If everything looks good, the deploy is complete`, which only says what it means).
        || all_ok_then(text)
        || has(&n, "if satisfied")
        || has(&n, "once satisfied")
        || has(&n, "when satisfied")
        || has(&n, "if successful")
        || has(&n, "once successful")
        || has(&n, "when we are confident")
        || has(&n, "once we are confident")
        || has(&n, "if we are confident")
        || obtained_approval(text).is_some()
        || meets_criteria(&n)
        || checks_before_going_on(text, &n)
        // `Get final approvals`, `Obtain sign-offs`: the work waits on them.
        || (words
            .first()
            .is_some_and(|w| ["get", "obtain", "collect", "secure", "gather"].contains(w))
            && words.iter().take(5).any(|w| {
                matches!(*w, "approval" | "approvals" | "signoff" | "signoffs")
            }))
        || has(&n, "sign offs")
        // `Decision: proceed or rollback`, `Decision: expand or hold`: a go/no-go by another
        // name.
        || clean::title(text).to_lowercase().starts_with("decision:")
        || [
            "proceed or roll", "continue or roll", "expand or hold", "promote or roll",
            "go or no go", "proceed or abort", "proceed or hold",
        ]
        .iter()
        .any(|w| has(&n, w))
        // `**Exit Criteria**:` over the list a stage must meet before the next one. (Entry
        // criteria hold the stage's start, which the stage's own gate cannot express.)
        || ["exit criteria", "promotion criteria", "go live criteria"]
            .iter()
            .any(|w| n.starts_with(&format!(" {w}")) && text.trim_end().ends_with(':'))
        // `The Project manager collects reactions and decides whether there is sufficient
        // support`: the work waits on that decision.
        || ["decides whether", "decide whether", "decides if", "decide if", "decides on whether"]
            .iter()
            .any(|w| has(&n, w))
}

/// A check step that lists what to look for before the next step acts on it: `Check
/// contents of the plan. Things to look out for include:` (then `no destruction of
/// resources`, `approx 80+ created resources`) before `Run an apply`. The colon says the
/// list follows; a step that only says to watch (`Look out for errors`) is a step.
fn checks_before_going_on(text: &str, n: &str) -> bool {
    text.trim_end().ends_with(':')
        && [
            "look out for",
            "look for the following",
            "things to check",
            "things to verify",
        ]
        .iter()
        .any(|w| has(n, w))
}

/// A step that holds the work to criteria it names: `Let the tests run for at least 24 hours,
/// with the following success criteria:`, `Verify the release meets the acceptance criteria`,
/// `exit criteria met`. Writing the criteria down (`Document the success criteria`) is a step,
/// not a hold point.
fn meets_criteria(n: &str) -> bool {
    ["success", "acceptance", "exit", "go live", "release"]
        .iter()
        .any(|kind| {
            [
                "with the following",
                "meets the",
                "meet the",
                "meeting the",
                "against the",
                "following",
            ]
            .iter()
            .any(|lead| has(n, &format!("{lead} {kind} criteria")))
                || has(n, &format!("{kind} criteria met"))
                || has(n, &format!("{kind} criteria are met"))
        })
}

/// How many people must approve, when the text asks for more than one (`wait for someone else
/// to approve it also`, `needs two approvals`, `a second reviewer`); `None` when it does not
/// say. The number is the voters a lead polls at that gate.
#[must_use]
pub fn approvals_needed(text: &str) -> Option<usize> {
    let n = norm(text);
    let counted = [("two", 2), ("2", 2), ("three", 3), ("3", 3)]
        .iter()
        .find(|(w, _)| {
            [
                "approvals",
                "approvers",
                "reviewers",
                "sign offs",
                "signoffs",
            ]
            .iter()
            .any(|a| has(&n, &format!("{w} {a}")))
        })
        .map(|&(_, k)| k);
    counted.or_else(|| {
        let second = has(&n, "second approval")
            || has(&n, "second reviewer")
            || has(&n, "second approver")
            || has(&n, "another approval")
            || has(&n, "another reviewer")
            || has(&n, "another approver")
            || ((has(&n, "someone else") || has(&n, "another maintainer")) && has(&n, "approve"));
        second.then_some(2)
    })
}

/// The role of an approval a step obtains or records (`Get stakeholder approval`, `Post QA
/// approval in the release channel`, `Obtain CAB sign-off`): the words between the verb and
/// `approval` / `sign-off`, at most three, none a function word.
fn obtained_approval(text: &str) -> Option<String> {
    let t = clean::title(text);
    let mut words = t.split_whitespace();
    let verb = words.next()?.to_lowercase();
    if ![
        "get", "obtain", "receive", "post", "record", "request", "collect", "secure",
    ]
    .contains(&verb.as_str())
    {
        return None;
    }
    let rest: Vec<&str> = words.collect();
    let at = rest.iter().position(|w| {
        let w = w.to_lowercase();
        w == "approval" || w == "sign-off" || w == "signoff"
    })?;
    label_role(&rest[..at].join(" "))
}

/// The role asked to approve (`Ask a maintainer to approve the build` → `maintainer`, `ask
/// the release manager to sign off`): at most three words between `ask` and `to approve` /
/// `to sign off`.
fn asked_to_approve(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find("ask ")? + 4;
    let end = ["to approve", "to sign off", "to sign-off"]
        .iter()
        .filter_map(|w| lower[at..].find(w))
        .min()?;
    let who: Vec<&str> = text[at..at + end]
        .split_whitespace()
        .filter(|w| {
            !matches!(
                w.to_lowercase().as_str(),
                "a" | "an" | "the" | "one" | "someone"
            )
        })
        .collect();
    (!who.is_empty() && who.len() <= 3).then(|| who.join(" "))
}

/// Who decides, as an item names them: a leading role tag (`(QA) Verify …`, `[SRE] …`), else
/// the words after `from` in a clearance or approval (`clearance from Security Officer to
/// proceed` → `Security Officer`). At most four words.
#[must_use]
pub fn decider(text: &str) -> Option<String> {
    if let Some(tag) = role_tag(text) {
        return Some(tag);
    }
    if let Some(role) = obtained_approval(text).or_else(|| asked_to_approve(text)) {
        return Some(role);
    }
    let t = text.trim_start();
    let lower = t.to_ascii_lowercase();
    // `The Project manager (or the Release manager, if exists) then collects reactions and
    // decides whether …`: the sentence's subject decides.
    if ["decides whether", "decides if", "decides on"]
        .iter()
        .any(|w| lower.contains(w))
        && let Some(subject) = lower.strip_prefix("the ")
    {
        let end = subject.find(['(', ',']).unwrap_or(subject.len());
        let words: Vec<&str> = t[4..4 + end]
            .split_whitespace()
            .take_while(|w| !["then", "and", "who", "will", "decides", "collects"].contains(w))
            .take(4)
            .collect();
        if !words.is_empty() && words.len() <= 3 {
            return Some(words.join(" "));
        }
    }
    let at = [
        "clearance from ",
        "approval from ",
        "approval by ",
        "sign-off from ",
    ]
    .iter()
    .find_map(|p| lower.find(p).map(|i| i + p.len()))?;
    role_at_start(t.get(at..)?)
}

/// The roles a sign-off names (`signed off by each discipline and your DEPO/OCTO contact` →
/// `DEPO/OCTO contact`; `approved by QA and Security` → `QA`, `Security`): the parts after
/// `signed off by` / `sign-off by` / `approved by`, up to the end of the clause, each of at most
/// four words. A part counted over a group (`each discipline`, `all teams`) names no one the
/// plan lists, and is left out. `somebody on the X team` names `X team`.
#[must_use]
pub fn signers(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    // `Request somebody on the @org/cloud-deployers team review it`: that team decides.
    if let Some(at) = [
        "somebody on the ",
        "someone on the ",
        "someone from the ",
        "a member of the ",
    ]
    .iter()
    .find_map(|p| lower.find(p).map(|i| i + p.len()))
        && let Some(end) = lower[at..].find(" team")
        && lower[at..at + end].split_whitespace().count() <= 3
    {
        return vec![format!("{} team", text[at..at + end].trim())];
    }
    let Some(at) = [
        "signed off by ",
        "signed-off by ",
        "sign-off by ",
        "approved by ",
    ]
    .iter()
    .find_map(|p| lower.find(p).map(|i| i + p.len())) else {
        return Vec::new();
    };
    let rest = &text[at..];
    let clause = rest.split(['.', ',', ';', ':', '(']).next().unwrap_or(rest);
    clause
        .split(" and ")
        .filter_map(|part| {
            let words: Vec<&str> = part
                .split_whitespace()
                .filter(|w| {
                    !["the", "your", "our", "a", "an"].contains(&w.to_ascii_lowercase().as_str())
                })
                .collect();
            let group = words.first().is_some_and(|w| {
                ["each", "every", "all", "any"].contains(&w.to_ascii_lowercase().as_str())
            });
            (!words.is_empty() && words.len() <= 4 && !group).then(|| words.join(" "))
        })
        .collect()
}

/// The role named at the start of `rest` (after `clearance from`, `approved by`…): up to four
/// words, without a leading `the`, ending at punctuation or at `to`, `for`, `before`, `and`,
/// `or`, `if`, `on` (`the Security Officer to proceed` → `Security Officer`).
fn role_at_start(rest: &str) -> Option<String> {
    let rest = rest.strip_prefix("the ").unwrap_or(rest);
    let words: Vec<&str> = rest
        .split(|c: char| !(c.is_alphanumeric() || c == ' ' || c == '-'))
        .next()?
        .split(' ')
        .take_while(|w| !["to", "for", "before", "and", "or", "if", "on"].contains(w))
        .filter(|w| !w.is_empty())
        .take(4)
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Verbs that open an instruction in runbooks (`Send a PR…`, `Run this command…`): a
/// paragraph that starts with one, in a stage without a checklist, is a step.
const IMPERATIVES: &[&str] = &[
    "add",
    "alert",
    "analyse",
    "analyze",
    "announce",
    "apply",
    "approve",
    "archive",
    "ask",
    "assign",
    "audit",
    "back",
    "block",
    "build",
    "bump",
    "call",
    "change",
    "check",
    "cherry",
    "choose",
    "clean",
    "close",
    "commit",
    "communicate",
    "configure",
    "confirm",
    "consider",
    "connect",
    "contact",
    "copy",
    "create",
    "cut",
    "decide",
    "delete",
    "deploy",
    "destroy",
    "disable",
    "document",
    "download",
    "drain",
    "drop",
    "edit",
    "email",
    "enable",
    "ensure",
    "enter",
    "escalate",
    "execute",
    "export",
    "file",
    "fill",
    "fix",
    "flush",
    "follow",
    "freeze",
    "get",
    "go",
    "grant",
    "import",
    "inform",
    "install",
    "invalidate",
    "invite",
    "keep",
    "kill",
    "launch",
    "let",
    "lock",
    "log",
    "login",
    "make",
    "mark",
    "merge",
    "migrate",
    "monitor",
    "move",
    "notify",
    "observe",
    "open",
    "pause",
    "perform",
    "ping",
    "point",
    "post",
    "prepare",
    "promote",
    "provision",
    "publish",
    "pull",
    "purge",
    "push",
    "put",
    "raise",
    "re-run",
    "read",
    "reboot",
    "rebuild",
    "record",
    "recycle",
    "redeploy",
    "redirect",
    "reduce",
    "refresh",
    "register",
    "release",
    "remove",
    "rename",
    "repeat",
    "replace",
    "repoint",
    "report",
    "request",
    "reroute",
    "rerun",
    "reset",
    "restart",
    "restore",
    "resume",
    "retry",
    "return",
    "revert",
    "review",
    "revoke",
    "roll",
    "rollback",
    "rotate",
    "route",
    "run",
    "sanity-check",
    "save",
    "scale",
    "schedule",
    "seed",
    "select",
    "send",
    "set",
    "share",
    "ship",
    "shut",
    "shutdown",
    "sign",
    "smoke",
    "snapshot",
    "spin",
    "start",
    "stop",
    "submit",
    "switch",
    "sync",
    "tag",
    "take",
    "tear",
    "tell",
    "test",
    "transfer",
    "trigger",
    "truncate",
    "turn",
    "unblock",
    "unfreeze",
    "unlock",
    "update",
    "upgrade",
    "upload",
    "use",
    "validate",
    "verify",
    "wait",
    "watch",
    "wipe",
    "write",
];

/// True when `text` opens with an instruction verb ([`IMPERATIVES`]), written in the
/// imperative (`Run this command`, not `Running` or `Runs`).
#[must_use]
pub fn is_instruction(text: &str) -> bool {
    // The first word as written (`deploy_production.sh` is a file name, not `Deploy`), after a
    // word that only orders the steps (`Then create a pull request`, `Finally, tag it`).
    const SEQUENCE: &[&str] = &[
        "then",
        "next",
        "finally",
        "first",
        "now",
        "also",
        "afterwards",
    ];
    let word = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    let mut words = text.split_whitespace().map(word);
    let opens = |w: Option<String>| w.is_some_and(|w| IMPERATIVES.contains(&w.as_str()));
    match words.next() {
        Some(w) if SEQUENCE.contains(&w.as_str()) => opens(words.next()),
        w => {
            opens(w)
                // `A few days before a major release, consider updating the dependencies`:
                // a time clause, then the instruction.
                || text.split_once(", ").is_some_and(|(lead, rest)| {
                    let l = norm(lead);
                    [" a few ", " after ", " before ", " once ", " when ", " on ", " at "]
                        .iter()
                        .any(|p| l.starts_with(p))
                        && opens(rest.split_whitespace().next().map(word))
                })
        }
    }
}

/// Whether a heading reads as an instruction (`Block deployments`, `Enable the maintenance
/// page`, `Start The Upgrade`) rather than a noun phrase that opens with a word which is also a
/// verb (`Release Steps`, `Open Questions`, `Release Tools Version`): it opens with an instruction
/// verb ([`is_instruction`]) and is one word, or its second word is a determiner or pronoun, or it
/// is not written in title case (a later word starts in lower case).
#[must_use]
pub fn is_instruction_heading(text: &str) -> bool {
    const DETERMINERS: &[&str] = &[
        "a", "all", "an", "any", "each", "every", "it", "its", "our", "that", "the", "their",
        "them", "these", "this", "those", "up", "your",
    ];
    if !is_instruction(text) {
        return false;
    }
    let words: Vec<&str> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    words.len() == 1
        || DETERMINERS.contains(&words[1].to_lowercase().as_str())
        || words[1..]
            .iter()
            .any(|w| w.chars().next().is_some_and(char::is_lowercase))
}

/// The first sentence of `text`, at most about `max` characters (cut at a word, with `…`).
#[must_use]
pub fn first_sentence(text: &str, max: usize) -> String {
    let end = text
        .match_indices(['.', '!', '?', ':'])
        .map(|(i, _)| i)
        .find(|&i| text[i + 1..].starts_with(' ') || i + 1 == text.len())
        .unwrap_or(text.len());
    let s = text[..end].trim();
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{}…", cut.trim_end_matches([',', ';', ' ']))
}

/// A condition to roll back written as an item (`If you notice any errors that make you
/// worry, roll back the deploy`): it opens with `if` / `when` / `should` and names a rollback.
#[must_use]
pub fn is_rollback_condition(text: &str) -> bool {
    let n = norm(text);
    (n.starts_with(" if ") || n.starts_with(" when ") || n.starts_with(" should "))
        && names_rollback(&n)
}

/// The role an approval requirement in prose names (`All deploys to production require a code
/// reviewer to approve the changes`, `must be approved by the CAB`, `needs sign-off from QA`).
#[must_use]
pub fn approval_requirement(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    for (open, close) in [
        ("require a ", " to approve"),
        ("requires a ", " to approve"),
        ("require an ", " to approve"),
        ("requires an ", " to approve"),
        ("require the ", " to approve"),
        ("requires the ", " to approve"),
    ] {
        if let Some(a) = lower.find(open)
            && let Some(b) = lower[a + open.len()..].find(close)
        {
            let role = &text[a + open.len()..a + open.len() + b];
            if (1..=4).contains(&role.split_whitespace().count()) {
                return Some(clean::title(role));
            }
        }
    }
    for open in [
        "must be approved by ",
        "needs approval from ",
        "need approval from ",
        "requires approval from ",
        "require approval from ",
        "requires sign-off from ",
        "needs sign-off from ",
    ] {
        if let Some(a) = lower.find(open)
            && let Some(role) = role_at_start(&text[a + open.len()..])
        {
            return Some(role);
        }
    }
    None
}

/// A list item or lead-in that tells rather than instructs: a lead-in naming consequences or
/// remarks (`Impacts of failed user validation:`, `For example:`), or an item that opens with
/// `Note`, `Expected`, `Output` (`Expected run time is between 1 and 2 minutes`). `Examples of
/// tests:` stays a step: the examples are tests to run. Numbered items of such a list, or such items, are not steps.
#[must_use]
pub fn is_remark(text: &str) -> bool {
    let n = norm(text);
    let opens = |w: &str| n.starts_with(&format!(" {w} "));
    ["note", "notes", "nb", "expected", "output"]
        .iter()
        .any(|w| opens(w))
        || (text.trim_end().ends_with(':')
            && [
                "impact",
                "impacts",
                "consequence",
                "consequences",
                "effect",
                "effects",
                "caveat",
                "caveats",
                "for example",
                "known issues",
            ]
            .iter()
            .any(|w| has(&n, w)))
        || says_what_it_will_do(text)
}

/// A lead-in that says what a tool or process does by itself, so the list under it describes
/// rather than instructs: `This feature will` (then `- run pre checks …`, `- create
/// snapshots …`), `The release script will:`, `It will automatically:`. The subject is a
/// thing (`this`, `the`, `it` …): `GDS will:`, `The release team will:`, `You will:` and `We
/// will:` lead people's own steps.
pub(super) fn says_what_it_will_do(text: &str) -> bool {
    let last = text
        .rsplit(['.', '!', '?'])
        .find(|s| !s.trim().is_empty())
        .unwrap_or(text);
    let n = norm(last);
    let words: Vec<&str> = n.split_whitespace().collect();
    let ends = |tail: &[&str]| words.ends_with(tail);
    let describes = ends(&["will"])
        || ends(&["will", "automatically"])
        || ends(&["does", "the", "following"])
        || ends(&["will", "do", "the", "following"]);
    let people = [
        "team",
        "teams",
        "engineer",
        "engineers",
        "manager",
        "managers",
        "lead",
        "leads",
        "owner",
        "owners",
        "operator",
        "operators",
        "admin",
        "admins",
        "staff",
        "person",
        "people",
        "developer",
        "developers",
        "call",
        "shepherd",
        "captain",
    ];
    // The sentence's subject: the words of its last clause before the verb.
    let clause_start = words
        .iter()
        .rposition(|w| matches!(*w, "and" | "but" | "so" | "then"))
        .map_or(0, |k| k + 1);
    let verb = words.iter().rposition(|w| *w == "will" || *w == "does");
    let subject = match verb {
        Some(v) if v >= clause_start => &words[clause_start..v],
        _ => return false,
    };
    describes
        && subject
            .first()
            .is_some_and(|w| ["this", "the", "it", "that", "these", "which"].contains(w))
        && !subject.iter().any(|w| people.contains(w))
}

/// A question or a form field rather than a step: an item whose first sentence asks something
/// to be answered (`What changes (if any) are needed before the next stage?`, `How do the KPIs
/// compare?`, or any question followed by a placeholder: `Types of errors? [FILL_IN]`), or `Label: value` where the label is not an instruction and
/// the value is bracketed, a blank (`[FILL_IN] …`), a placeholder or a number or range
/// (`Number of users: [11]`, `Length of time: [3-5 business days]`, `Rollout date range: TBD`,
/// `Percentage of users: 5-10%`). A lead fills these in; nobody ticks them.
#[must_use]
pub fn is_question_or_field(text: &str) -> bool {
    let t = text.trim();
    // `[CHANGE]`, `[BUGFIX]`: the tags a changelog entry takes, listed; not steps.
    let tag = t
        .trim_matches('`')
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .is_some_and(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
    if tag {
        return true;
    }
    if is_instruction(t) {
        return false;
    }
    let placeholder = |value: &str| {
        let value = value.trim().trim_start_matches([':', ' ']);
        let value = value
            .trim_end_matches(|c: char| !c.is_ascii() || c == '.')
            .trim();
        // `[FILL_IN] a list of …`, `[PICK_ONE]: yes | no`: a form's blank, whatever follows.
        let blank = value
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .is_some_and(|(w, _)| {
                !w.is_empty() && w.chars().all(|c| c.is_ascii_uppercase() || c == '_')
            });
        blank
            || (value.starts_with('[') && value.ends_with(']') && !value.contains("]("))
            || ["tbd", "tbc", "n/a", "na", "none", "?"].contains(&value.to_lowercase().as_str())
            || (!value.is_empty()
                && value.chars().any(|c| c.is_ascii_digit())
                && value
                    .chars()
                    .all(|c| c.is_ascii_digit() || " .,-–%".contains(c)))
    };
    // `What changes are needed?` is answered; `Do we have backup people in place?` is a check
    // to make, and stays a step.
    let question = t.find('?').is_some_and(|q| {
        let before = &t[..q];
        let wh = [
            "what", "how", "which", "who", "whom", "whose", "why", "where",
        ];
        let first = before.split_whitespace().next().map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        });
        !before.contains(". ")
            && !before.contains(": ")
            && (first.is_some_and(|w| wh.contains(&w.as_str())) || placeholder(&t[q + 1..]))
    });
    // A label with nothing after it introduces the items below it (`Examples of tests:`).
    let field = t.split_once(':').is_some_and(|(label, value)| {
        !label.contains('`')
            && label.split_whitespace().count() <= 8
            && !value.trim().is_empty()
            && placeholder(value)
    });
    question || field
}

/// The anchor a Markdown renderer gives a heading, as GitHub and GitLab write it: lower case,
/// punctuation other than `-` and `_` dropped, spaces as `-` (`Start the incident process (if
/// not already in progress)` → `start-the-incident-process-if-not-already-in-progress`).
#[must_use]
pub fn heading_anchor(text: &str) -> String {
    text.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// A step that only introduces the steps under it (`1. Release Manager:`, `Examples of
/// tests:`): a short text ending with a colon, at most five words.
#[must_use]
pub fn is_group_label(text: &str) -> bool {
    let t = text.trim_end();
    t.ends_with(':') && t.split_whitespace().count() <= 5
}

/// The role a group label names (`Release Manager:` → `Release Manager`, `QA:` → `QA`): at
/// most three words, none a function word (`Examples of tests:`, `Run these:` name no one).
#[must_use]
pub fn label_role(text: &str) -> Option<String> {
    let t = clean::title(text.trim_end().trim_end_matches(':'));
    let words: Vec<&str> = t.split_whitespace().collect();
    let function = [
        "of",
        "the",
        "to",
        "for",
        "a",
        "an",
        "and",
        "in",
        "on",
        "with",
        "by",
        "if",
        "this",
        "these",
        "following",
        "it",
        "them",
    ];
    (!words.is_empty()
        && words.len() <= 3
        && !words
            .iter()
            .any(|w| function.contains(&w.to_lowercase().as_str())))
    .then_some(t)
}

/// A leading role tag (`(QA) Verify …`, `[SRE] …`): the tag, at most four words.
#[must_use]
pub fn role_tag(text: &str) -> Option<String> {
    let rest = text.trim_start().strip_prefix(['(', '['])?;
    let end = rest.find([')', ']'])?;
    let tag = clean::title(&rest[..end]);
    (!tag.is_empty() && tag.split(' ').count() <= 4).then_some(tag)
}

/// The owner an `Owner:` / `Owners:` / `Responsible:` / `Assignee:` / `Who:` line names, at
/// most six words.
#[must_use]
pub fn owner_line(text: &str) -> Option<String> {
    let (key, value) = text.split_once(':')?;
    let key = norm(key);
    let keys = [
        " owner ",
        " owners ",
        " responsible ",
        " assignee ",
        " who ",
        " dri ",
    ];
    if !keys.contains(&key.as_str()) {
        return None;
    }
    let v = clean::title(value);
    (!v.is_empty() && v.split_whitespace().count() <= 6).then_some(v)
}

/// A heading that names a verification step (`Service team check the app works`, `Verify the
/// upgrade`, `Smoke test`): with an item that says to roll back if it fails, a go/no-go.
#[must_use]
pub fn is_check_heading(text: &str) -> bool {
    let n = norm(text);
    [
        "check", "checks", "verify", "validate", "confirm", "test", "tests", "smoke", "ensure",
    ]
    .iter()
    .any(|p| has(&n, p))
}

/// A heading that asks for a decision: a go/no-go text, or approval / sign-off
/// (`Final Approvals Required`, `Pre-Deployment Sign-off`).
#[must_use]
pub fn is_gate_heading(text: &str) -> bool {
    let n = norm(text);
    is_gate_text(text)
        || [
            "approval",
            "approvals",
            "sign off",
            "sign offs",
            "signoff",
            "signoffs",
            "vote",
            "voting",
            // `T+15 Gate Check`, `Final System Validation Gates`, `Decision point`.
            "gate",
            "gates",
            "decision point",
            "hold point",
            "exit criteria",
            // `## Preconditions` (what must hold before starting), `## Verification
            // Checklist` (what must hold before calling it done): checked, then go or no-go.
            "entry criteria",
            "preconditions",
            "verification checklist",
        ]
        .iter()
        .any(|p| has(&n, p))
}

/// The voters a vote or approval rule in prose asks for (`it needs at least three PMC members
/// to vote +1 on it`, `two maintainers must approve`): `k` numbered voters of the role it
/// names (`PMC member 1` … `PMC member 3`). `None` when no count and role are written.
#[must_use]
pub fn vote_requirement(text: &str) -> Option<Vec<String>> {
    const COUNTS: &[(&str, usize)] = &[
        ("two", 2),
        ("2", 2),
        ("three", 3),
        ("3", 3),
        ("four", 4),
        ("4", 4),
        ("five", 5),
        ("5", 5),
    ];
    let words: Vec<String> = norm(text).split_whitespace().map(str::to_string).collect();
    if let Some(voters) = votes_by(text, &words, COUNTS) {
        return Some(voters);
    }
    let verb = words
        .iter()
        .position(|w| ["vote", "approve", "approves", "sign"].contains(&w.as_str()))?;
    let head = &words[..verb];
    let (at, k) = head
        .iter()
        .enumerate()
        .rev()
        .take(6)
        .find_map(|(i, w)| COUNTS.iter().find(|(c, _)| c == w).map(|&(_, k)| (i, k)))?;
    let role: Vec<&str> = head[at + 1..]
        .iter()
        .map(String::as_str)
        .filter(|w| !["to", "must", "should", "need", "needs", "have", "of", "the"].contains(w))
        .collect();
    numbered_voters(text, &role, k)
}

/// `k` voters of the role whose words are `role` (lower case, as [`norm`] gives them), named
/// as the text writes the role, as one of them (`PMC members` → `PMC member 1` …). `None` for
/// no role or one of more than three words.
fn numbered_voters(text: &str, role: &[&str], k: usize) -> Option<Vec<String>> {
    if role.is_empty() || role.len() > 3 {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let phrase = role.join(" ");
    let start = lower.find(&phrase)?;
    let written = &text[start..start + phrase.len()];
    let one = written.strip_suffix('s').unwrap_or(written);
    Some((1..=k).map(|j| format!("{one} {j}")).collect())
}

/// The voters of a count of votes by a role (`Once 3+ binding votes (by PMC members) have been
/// cast`, `two approvals from maintainers`): `k` numbered voters of that role.
fn votes_by(text: &str, words: &[String], counts: &[(&str, usize)]) -> Option<Vec<String>> {
    let at = words
        .iter()
        .position(|w| ["votes", "approvals", "sign offs", "signoffs"].contains(&w.as_str()))?;
    let k = words[at.saturating_sub(2)..at]
        .iter()
        .find_map(|w| counts.iter().find(|(c, _)| c == w).map(|&(_, k)| k))?;
    let after = words.get(at + 1)?;
    if !["by", "from"].contains(&after.as_str()) {
        return None;
    }
    let role: Vec<&str> = words[at + 2..]
        .iter()
        .map(String::as_str)
        .take_while(|w| {
            ![
                "have", "has", "are", "is", "and", "been", "to", "before", "within", "in", "on",
            ]
            .contains(w)
        })
        .filter(|w| !["the", "a"].contains(w))
        .collect();
    numbered_voters(text, &role, k)
}

/// A lead-in that states a condition for the steps after it (`If Deployment Fails:`, `When
/// errors spike:`, `In case of data loss:`): in a rollback section, a trigger.
#[must_use]
pub fn is_condition_lead(text: &str) -> bool {
    let n = norm(text);
    text.trim_end().ends_with(':')
        && (n.starts_with(" if ")
            || n.starts_with(" when ")
            || n.starts_with(" in case ")
            || n.starts_with(" depending "))
}

/// The conditions a rollback section's prose states (`If we do ever hit issues which would
/// warrant a rollback, the first step is…`, `In the case of entire catastrophic failure, we
/// can…`): each sentence that opens with `If`, `In the case of`, `In case of` or `Should`, up to
/// its first comma, at most about 100 characters, that names something going wrong.
#[must_use]
pub fn prose_conditions(text: &str) -> Vec<String> {
    // A lead-in (`If Deployment Fails:`) introduces a list; [`is_condition_lead`] reads it.
    if text.trim_end().ends_with(':') {
        return Vec::new();
    }
    text.split(". ")
        .map(str::trim)
        .filter(|s| {
            let n = norm(s);
            [
                " if ",
                " in the case of ",
                " in case of ",
                " should ",
                " depending ",
            ]
            .iter()
            .any(|p| n.starts_with(p))
        })
        .map(|s| {
            let clause = s.split_once(',').map_or(s, |(c, _)| c);
            first_sentence(clause, 100)
        })
        // `Depending on how far the migration has progressed, we may opt to roll back`: in a
        // rollback section, what the choice depends on is the trigger, problem or not.
        .filter(|c| {
            c.split_whitespace().count() >= 3
                && (names_a_problem(c) || norm(c).starts_with(" depending "))
        })
        .collect()
}

/// True when `text` names something going wrong (an error, a failure, an outage, data loss…):
/// a condition worth rolling back for, not a step of the procedure (`If you do end up rolling
/// back`).
pub(super) fn names_a_problem(text: &str) -> bool {
    let n = norm(text);
    [
        "fail",
        "fails",
        "failed",
        "failure",
        "failures",
        "issue",
        "issues",
        "error",
        "errors",
        "problem",
        "problems",
        "wrong",
        "broken",
        "outage",
        "lost",
        "loss",
        "corrupt",
        "corruption",
        "corrupted",
        "down",
        "breach",
        "unavailable",
        "degraded",
        "degradation",
        "catastrophic",
        "incident",
        "regression",
        "regressions",
        "bug",
        "bugs",
        "defect",
        "defects",
        "crash",
        "crashes",
        "vulnerability",
    ]
    .iter()
    .any(|w| has(&n, w))
}

/// The questions of a decision tree drawn in a code block that lead to a rollback
/// (`Is it critical? (API down, data corruption)` then `├─ YES → Immediate Rollback`): each
/// question whose next line answers yes with a rollback.
#[must_use]
pub fn decision_tree_triggers(code: &str) -> Vec<String> {
    let lines: Vec<&str> = code.lines().collect();
    lines
        .windows(2)
        .filter(|w| {
            let next = norm(w[1]);
            w[0].contains('?') && has(&next, "yes") && names_rollback(&next)
        })
        .map(|w| clean::title(w[0].trim()))
        .filter(|q| !q.is_empty())
        .collect()
}

/// A heading whose items are rollback triggers: `Rollback Triggers`, `When to Rollback`,
/// `Rollback criteria`, `Rollback if`, `Revert conditions`.
#[must_use]
pub fn is_trigger_heading(text: &str) -> bool {
    let n = norm(text);
    // `Automatic Halt Rules`, `Abort criteria`, `Trigger failover if`; not `Do NOT trigger
    // failover if` (the cases that must not start it).
    let stops = [
        "halt",
        "abort",
        "failover",
        "fail over",
        "stop",
        "kill switch",
    ]
    .iter()
    .any(|w| has(&n, w))
        && ["rules", "rule"]
            .iter()
            .chain(["trigger", "triggers", "criteria", "conditions", "if"].iter())
            .any(|w| has(&n, w))
        && !["do not", "don t", "not"].iter().any(|w| has(&n, w));
    stops
        || names_rollback(&n)
            && [
                "trigger",
                "triggers",
                "criteria",
                "criterion",
                "condition",
                "conditions",
                "when",
                "if",
                "threshold",
                "thresholds",
            ]
            .iter()
            .any(|p| has(&n, p))
}

/// A lead that introduces the criteria for moving on to the next stage (`What metrics-based
/// criteria will you look at before advancing rollout to the next stage?`, `The following
/// metrics will be considered before advancing rollout:`, `Promotion criteria:`): the items
/// under it are success criteria, and missing one is a reason to stop (issue rule 4: a success
/// criterion that gates the next stage is a trigger at the opposite comparison).
#[must_use]
pub fn is_advance_criteria_lead(text: &str) -> bool {
    let n = norm(text);
    let criteria = ["criteria", "criterion", "metrics", "thresholds"]
        .iter()
        .any(|w| has(&n, w));
    let moving_on = [
        "advancing",
        "advance",
        "before proceeding",
        "next stage",
        "widening",
        "promotion",
        "promoting",
        "exit",
    ]
    .iter()
    .any(|w| has(&n, w));
    criteria && moving_on
}

/// A paragraph that introduces a list of triggers: `Rollback if:`, `Roll back when any of these
/// holds:`.
#[must_use]
pub fn is_trigger_lead(text: &str) -> bool {
    // `If the functionality needs to be rolled back, we will do the following:` states its
    // condition first: the list after it is the procedure ([`is_condition_lead`]).
    let n = norm(text);
    let condition_first = [" if ", " when ", " in case ", " should "]
        .iter()
        .any(|p| n.starts_with(p));
    text.trim_end().ends_with(':') && is_trigger_heading(text) && !condition_first
}

/// A heading that belongs to the rollback procedure (it mentions rollback or revert).
#[must_use]
pub fn is_rollback_heading(text: &str) -> bool {
    names_rollback(&norm(text))
}

/// A reference section: text the plan keeps for readers, not a stage of the deployment
/// (success criteria, contacts and team, scope and overview, notes and known issues, risks,
/// communication plan, information, resources, links, troubleshooting, appendix, sign-off). Its numbered
/// items are not steps, and its sub-sections never split into stages of their own.
#[must_use]
pub fn is_reference_heading(text: &str) -> bool {
    let n = norm(text);
    // `Updating Go dependencies`: a step (a verb's -ing form) that names a reference word.
    // (`Release information` opens with a verb too, but as a noun.)
    let first = n.split_whitespace().next().unwrap_or("");
    let gerund_of_step = first.strip_suffix("ing").is_some_and(|stem| {
        [stem.to_string(), format!("{stem}e")]
            .iter()
            .any(|v| IMPERATIVES.contains(&v.as_str()))
    });
    if gerund_of_step {
        return false;
    }
    [
        "success criteria",
        "acceptance criteria",
        "success metrics",
        "contact",
        "contacts",
        "contact information",
        "information",
        "info",
        "team",
        "teams",
        "roles",
        "responsibilities",
        "stakeholders",
        "scope",
        "overview",
        "summary",
        "background",
        "purpose",
        "introduction",
        "notes",
        "note",
        "known issues",
        "references",
        "appendix",
        "glossary",
        "resources",
        "risk",
        "risks",
        "assumptions",
        "dependencies",
        "communication plan",
        "communications",
        "escalation",
        "links",
        "faq",
        "questions",
        "results",
        "troubleshooting",
        "criteria",
        "sign off",
        "signoff",
        "approval",
        "approvals",
    ]
    .iter()
    .any(|p| has(&n, p))
}

/// A section whose numbered lists are points to read, not steps to do: notes, known issues,
/// criteria, troubleshooting, references, risks, links (a subset of [`is_reference_heading`]).
#[must_use]
pub fn is_notes_heading(text: &str) -> bool {
    let n = norm(text);
    [
        "notes",
        "note",
        "known issues",
        "criteria",
        "troubleshooting",
        "references",
        "appendix",
        "glossary",
        "risk",
        "risks",
        "links",
        "faq",
        "enhancements",
    ]
    .iter()
    .any(|p| has(&n, p))
}

/// The role in an approval line: `Technical Lead Approval` → `Technical Lead`,
/// `Sign-off from QA Manager` → `QA Manager`. At most six words.
#[must_use]
pub fn approval_role(text: &str) -> Option<String> {
    let t = clean::title(text);
    let lower = t.to_ascii_lowercase();
    let mut role = None;
    for suffix in [
        " approval",
        " sign-off",
        " sign off",
        " signoff",
        " approved",
        " sign-off required",
        " approval required",
    ] {
        if lower.ends_with(suffix) {
            role = t.len().checked_sub(suffix.len()).and_then(|n| t.get(..n));
        }
    }
    for prefix in [
        "approval from ",
        "approval by ",
        "sign-off from ",
        "sign-off by ",
        "signed off by ",
    ] {
        if lower.starts_with(prefix) {
            role = t.get(prefix.len()..);
        }
    }
    let role = clean::title(role?);
    let words = role.split(' ').count();
    (role.chars().any(char::is_alphanumeric) && words <= 6).then_some(role)
}

/// The roles of a sign-off table: a table whose header has a Role or Approver column (or a
/// Signature column, then its Name or first column). Blank and placeholder cells (`____`) are
/// skipped.
#[must_use]
pub fn table_roles(rows: &[Vec<String>]) -> Vec<String> {
    let Some(header) = rows.first() else {
        return Vec::new();
    };
    let header: Vec<String> = header.iter().map(|c| norm(c)).collect();
    let col = header
        .iter()
        .position(|c| has(c, "role") || has(c, "approver") || has(c, "approvers"))
        .or_else(|| {
            header
                .iter()
                .any(|c| has(c, "signature") || has(c, "sign off") || has(c, "signoff"))
                .then(|| header.iter().position(|c| has(c, "name")).unwrap_or(0))
        });
    let Some(col) = col else {
        return Vec::new();
    };
    rows[1..]
        .iter()
        .filter_map(|r| r.get(col))
        .filter(|c| c.chars().any(char::is_alphanumeric))
        .map(|c| clean::title(c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates() {
        for yes in [
            "Go/No-Go Checkpoint 1",
            "**Final Go/No-Go Review**",
            "go / no go",
            "Go-No-Go call",
            "Go-live decision",
        ] {
            assert!(is_gate_text(yes), "{yes}");
        }
        for no in [
            "Go-Live Announcement",
            "Executive team approval",
            "Go to the folder",
            "No go zone",
        ] {
            assert!(!is_gate_text(no), "{no}");
        }
        for yes in [
            "10.2 Final Approvals Required",
            "Pre-Deployment Sign-off",
            "SIGN-OFF",
            "Go/No-Go",
        ] {
            assert!(is_gate_heading(yes), "{yes}");
        }
        assert!(!is_gate_heading("Deployment Readiness Checklist"));
        assert!(is_decision_item(
            "(QA) Verify GitLab CI results for the tags created and sign off on the releases"
        ));
        assert!(is_decision_item(
            "Wait for clearance from Security Officer to proceed with the public release"
        ));
        assert!(is_decision_item(
            "Approve the `Approval` stage of the rollout build"
        ));
        assert!(is_decision_item(
            "🛑 Do not move forward until this PR is merged. 🛑"
        ));
        assert!(!is_decision_item("Request signatures for the tarballs"));
        assert!(!is_decision_item("Once approved, merge it"));
        assert!(is_decision_item(
            "Request somebody on the cloud-deployers team review it; once approved, merge the PR"
        ));
        assert!(is_decision_item("Get stakeholder approval"));
        assert!(is_decision_item("When build is passing ask for approval"));
        assert!(is_decision_item("Release Readiness Review"));
        assert!(is_decision_item(
            "Ask a maintainer to approve the build in the following links:"
        ));
        assert_eq!(
            decider("Ask a maintainer to approve the build").as_deref(),
            Some("maintainer")
        );
        assert!(is_decision_item(
            "If there are any issues which must be resolved before deploying, list them here."
        ));
        assert!(is_decision_item("Post QA approval in `Release` channel"));
        assert!(is_decision_item("Merge to main after approval by team."));
        assert!(!is_decision_item("Set up approval workflow configurations"));
        assert!(is_decision_item(
            "The first child pipeline expects a human review and approval of its Plan stage"
        ));
        assert!(is_decision_item(
            "The second pipeline will also require a human approval once the first is finished"
        ));
        assert!(!is_decision_item(
            "Set up the approval workflow the release requires"
        ));
        assert!(!is_decision_item(
            "After the cut-off, any PRs that include code changes require approval of the Release Manager"
        ));
        assert_eq!(
            decider("Post QA approval in the channel").as_deref(),
            Some("QA")
        );
        assert_eq!(
            decider("Get stakeholder approval").as_deref(),
            Some("stakeholder")
        );
    }

    #[test]
    fn instructions_conditions_and_requirements() {
        assert!(is_instruction(
            "Send a PR to the master branch to bump the version"
        ));
        assert!(is_instruction(
            "Run this command and create a separate commit:"
        ));
        assert!(!is_instruction(
            "Publishing releases require authentication"
        ));
        assert!(!is_instruction("Running the script takes an hour"));
        assert!(!is_instruction("deploy_production.sh"));
        assert_eq!(
            first_sentence("Send a PR. Then wait for CI.", 80),
            "Send a PR"
        );
        assert_eq!(
            first_sentence(
                "Bring up the dashboard to check that the rate of errors is typical",
                30
            ),
            "Bring up the dashboard to…"
        );
        assert!(is_rollback_condition(
            "If you notice any errors that make you worry, roll back the deploy"
        ));
        assert!(!is_rollback_condition("If CI is green, merge"));
        assert_eq!(
            approval_requirement(
                "All deploys to production require a code reviewer to approve the changes"
            )
            .as_deref(),
            Some("code reviewer")
        );
        assert_eq!(
            approval_requirement("Changes must be approved by the CAB before release.").as_deref(),
            Some("CAB")
        );
        assert_eq!(approval_requirement("We approve of this."), None);
        // Lower-casing `İ` changes its length in bytes: the role is still cut on the text.
        assert_eq!(
            approval_requirement("İİ deploys require a İ reviewer to approve").as_deref(),
            Some("İ reviewer")
        );
    }

    #[test]
    fn labels_tags_and_owner_lines() {
        assert!(is_group_label("Release Manager:"));
        assert!(!is_group_label(
            "Run this command and create a separate commit with it:"
        ));
        assert_eq!(
            label_role("Release Manager:").as_deref(),
            Some("Release Manager")
        );
        assert_eq!(label_role("QA:").as_deref(), Some("QA"));
        assert_eq!(label_role("Examples of tests:"), None);
        assert_eq!(label_role("Run these:"), None);
        assert_eq!(role_tag("(QA) Verify the tags").as_deref(), Some("QA"));
        assert_eq!(
            owner_line("Responsible: DBA team").as_deref(),
            Some("DBA team")
        );
        assert_eq!(owner_line("Note: this is slow"), None);
    }

    #[test]
    fn anchors() {
        assert_eq!(
            heading_anchor("Start the incident process (if not already in progress)"),
            "start-the-incident-process-if-not-already-in-progress"
        );
        assert_eq!(
            heading_anchor("Option 2. Recreate via terraform"),
            "option-2-recreate-via-terraform"
        );
    }

    #[test]
    fn remarks() {
        assert!(is_remark("Impacts of failed user validation:"));
        assert!(is_remark("Expected run time is between 1 and 2 minutes"));
        assert!(is_remark("Output will be similar to the following:"));
        assert!(is_remark("Note: the job takes an hour"));
        assert!(!is_remark("Run the migration:"));
        assert!(!is_remark("Notify the team"));
        assert!(is_remark(
            "This process uses the in place upgrade feature. This feature will"
        ));
        assert!(is_remark("The release script will:"));
        assert!(!is_remark("During the migration, GDS will:"));
        assert!(!is_remark("The release team will:"));
        assert!(!is_remark("You will:"));
        assert!(!is_remark("Check the logs and"));
    }

    #[test]
    fn conditions_in_prose() {
        assert_eq!(
            prose_conditions(
                "There is no rollback. If we do ever hit issues which would warrant a rollback, the first step is to call. In the case of entire catastrophic failure, we can destroy the cluster."
            ),
            [
                "If we do ever hit issues which would warrant a rollback",
                "In the case of entire catastrophic failure"
            ]
        );
        assert!(prose_conditions("Roll back when asked.").is_empty());
        assert!(
            prose_conditions("If you do end up rolling back a deploy, hold a retro.").is_empty()
        );
        assert!(prose_conditions("If Deployment Fails:").is_empty());
    }

    #[test]
    fn deciders() {
        assert_eq!(
            decider("(QA) Verify GitLab CI results and sign off").as_deref(),
            Some("QA")
        );
        assert_eq!(
            decider("Wait for clearance from the Security Officer to proceed").as_deref(),
            Some("Security Officer")
        );
        assert_eq!(decider("Sign off on the release"), None);
    }

    #[test]
    fn triggers_and_rollback() {
        for yes in [
            "4.1 Rollback Triggers",
            "When to Rollback",
            "Rollback criteria",
            "Rollback if",
            "Revert conditions",
        ] {
            assert!(is_trigger_heading(yes), "{yes}");
        }
        for no in [
            "Rollback Procedure",
            "Rollback Decision Tree",
            "Rollback prior to stage 5",
            "Triggers",
        ] {
            assert!(!is_trigger_heading(no), "{no}");
        }
        assert!(is_instruction(
            "Then create a pull request against the master branch."
        ));
        assert!(is_instruction(
            "When the release completes, merge the blog post PR"
        ));
        assert!(!is_instruction(
            "When the release completes, the blog post is merged"
        ));
        assert!(!is_reference_heading("Updating Go dependencies"));
        assert!(is_reference_heading("Dependencies"));
        assert!(is_question_or_field("`[CHANGE]`"));
        assert!(!is_question_or_field("Run `make build`"));
        assert!(is_trigger_lead("Rollback if:"));
        assert_eq!(
            vote_requirement("it needs at least three PMC members to vote +1 on it"),
            Some(vec![
                "PMC member 1".into(),
                "PMC member 2".into(),
                "PMC member 3".into()
            ])
        );
        assert_eq!(vote_requirement("Please vote on the release."), None);
        assert_eq!(
            vote_requirement(
                "Once 3+ binding votes (by PMC members) have been cast, post a result thread"
            ),
            Some(vec![
                "PMC member 1".into(),
                "PMC member 2".into(),
                "PMC member 3".into()
            ])
        );
        assert_eq!(vote_requirement("We counted votes by hand."), None);
        assert!(!is_trigger_lead("Rollback if the team agrees."));
        assert!(is_rollback_heading("4.3 Post-Rollback Analysis"));
        assert!(is_rollback_heading("Roll-back plan"));
        assert!(!is_rollback_heading("Roll out"));
    }

    #[test]
    fn approvals() {
        assert_eq!(
            approval_role("Technical Lead Approval").as_deref(),
            Some("Technical Lead")
        );
        assert_eq!(
            approval_role("Sign-off from QA Manager").as_deref(),
            Some("QA Manager")
        );
        assert_eq!(
            approval_role("Get stakeholder approval").as_deref(),
            Some("Get stakeholder")
        );
        assert_eq!(approval_role("Approval"), None);
        assert_eq!(
            approval_role("Code review approved by the whole team after a long meeting today"),
            None
        );
        let rows = vec![
            vec!["Role".to_string(), "Name".into(), "Signature".into()],
            vec!["Technical Lead".into(), "__________".into(), "__".into()],
            vec!["__".into(), "x".into(), "y".into()],
            vec!["CTO".into()],
        ];
        assert_eq!(table_roles(&rows), ["Technical Lead", "CTO"]);
        let plain = vec![
            vec!["Risk".to_string(), "Impact".into()],
            vec!["x".into(), "y".into()],
        ];
        assert!(table_roles(&plain).is_empty());
    }
}
