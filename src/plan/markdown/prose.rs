//! The wording rules for decisions and conditions written as sentences rather than list items:
//! a hold point in a paragraph (`Before proceeding the failing tests need to be fixed`), a
//! condition to stop on (`If the issue is open you must stop the release process`), the
//! scenario a disaster-recovery section answers (`Scenario 1: Loss of database server`), and
//! the actions a rollback written as prose takes (`the rollback plan is to point our CDN back
//! to the Interim Platform`). Each works on one sentence ([`sentences`]), on [`norm`]alized
//! text as the rules in `rules` do.

use super::norm;
use super::rules::{has, is_decision_item, is_instruction, names_a_problem, names_rollback};
use crate::plan::clean;

/// The sentences of a paragraph: split after `.`, `!` or `?` followed by a space, trimmed,
/// empty ones dropped. Abbreviations (`e.g. foo`) split too; each part still reads on its own.
pub fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(b, b'.' | b'!' | b'?') && bytes.get(i + 1).is_some_and(u8::is_ascii_whitespace)
        {
            out.push(text[start..=i].trim());
            start = i + 1;
        }
    }
    out.push(text[start..].trim());
    out.into_iter().map(without_alert).filter(|s| !s.is_empty())
}

/// A sentence without the GitHub alert marker that opens a quote (`[!CAUTION] In case a test
/// goes red…`): the marker is decoration, the condition follows it.
fn without_alert(s: &str) -> &str {
    s.strip_prefix("[!")
        .and_then(|r| r.split_once(']'))
        .filter(|(word, _)| word.chars().all(|c| c.is_ascii_alphabetic()))
        .map_or(s, |(_, rest)| rest.trim_start())
}

/// A sentence as a title: [`clean::title`] (its final stop dropped too), at most about `max`
/// characters, cut at a word with `…`. Unlike a paragraph's first sentence, a colon inside it
/// stays: `Look at the issue: if it's closed, you can keep going` says its condition after it.
fn shorten(sentence: &str, max: usize) -> String {
    let t = clean::title(sentence);
    let t = t.trim_end_matches(['.', '!']).trim_end();
    if t.chars().count() <= max {
        return t.to_string();
    }
    let cut: String = t.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']))
}

/// Words that open a condition: `if`, `in case (of)`, `in the case of`, `should there be`,
/// `unless`, `when` (only with a problem named, see [`stop_condition`]).
fn opens_condition(n: &str) -> bool {
    [
        " if ",
        " in case ",
        " in the case of ",
        " in the event of ",
        " in the event that ",
        " should there be ",
        " unless ",
    ]
    .iter()
    .any(|p| n.starts_with(p))
}

/// Verbs of stopping the work or falling back: what a trigger leads to.
fn says_stop(n: &str) -> bool {
    [
        "stop",
        "halt",
        "abort",
        "pause",
        "postpone",
        "postponed",
        "hold",
        "held",
        "cancel",
        "cancelled",
        "escalate",
        "rollback",
        "roll back",
        "revert",
        "do not continue",
        "do not proceed",
        "fall back",
    ]
    .iter()
    .any(|p| has(n, p))
}

/// A condition to stop on, written as a sentence or a plain item, in a forward stage: a
/// sentence that opens with a condition (`If …`, `In case …`, `In the case of …`, `Should
/// there be …`) that names something going wrong (`If the job fails, look into the root
/// cause`), or opens with one (`When …` too) and says to stop, hold, postpone or roll back
/// (`If the issue is open you must stop the release process`) — unless the condition is the
/// rollback itself (`In case of rollback, uncomment the section below`: how, not when); or one that says to stop or postpone `if` something
/// holds (`Release day should be postponed if any of the conditions are not satisfied`), or
/// uses another way `if` something goes wrong (`Option 2 would be used if the first option
/// fails`). Returns the sentence, shortened to about 100 characters. `Check if there are
/// errors` asks a question, not a condition: it is not one.
#[must_use]
pub fn stop_condition(text: &str) -> Option<String> {
    sentences(text).find_map(|s| {
        let n = norm(s);
        let opening = opens_condition(&n) || n.starts_with(" when ");
        // `In case of rollback, uncomment the Rollback section`: how to roll back, not when.
        if opening && s.contains(',') && names_rollback(&norm(&clause(s))) {
            return None;
        }
        let condition_first =
            (opens_condition(&n) && names_a_problem(&clause(s))) || (opening && says_stop(&n));
        // `even if` concedes, it sets no condition.
        let later_if = !opening
            && !has(&n, "even if")
            && n.split_once(" if ").is_some_and(|(before, after)| {
                let asks = [
                    "check",
                    "see",
                    "verify",
                    "ask",
                    "confirm",
                    "know",
                    "determine",
                    "test",
                    "find out",
                    "decide",
                    "whether",
                ]
                .iter()
                .any(|w| before.ends_with(&format!(" {w}")));
                !asks && (says_stop(&format!("{before} ")) || names_a_problem(&format!(" {after}")))
            });
        let at = s.to_ascii_lowercase().find(" if ").map_or(0, |i| i + 1);
        // `Release day should be postponed if …` says what to do before its condition: all of
        // it is the trigger. `This comment holds the test results, if there is any error you
        // should stop…`: the condition is what follows `if` — unless that alone says too
        // little (`if it fails`).
        let stop_first = n
            .split_once(" if ")
            .is_some_and(|(before, _)| says_stop(&format!("{before} ")));
        let whole = condition_first || (later_if && stop_first);
        if whole || (later_if && s[at..].split_whitespace().count() < 4) {
            return Some(shorten(s, 100));
        }
        later_if.then(|| {
            let mut rest = clean::title(&s[at..]);
            if let Some(first) = rest.get(..1) {
                rest.replace_range(..1, &first.to_ascii_uppercase());
            }
            shorten(&rest, 100)
        })
    })
}

/// A condition to stop on written as a plain item of a stage: a [`stop_condition`] that says to
/// stop, hold, postpone or roll back (`Release day should be postponed if any of the conditions
/// are not satisfied`), or opens with its condition (`If regressions or critical bugs are
/// detected, they need to get fixed`). An item that only mentions a problem after its step
/// (`create snapshots to recover if there is an issue`) is a step, not a trigger.
#[must_use]
pub fn stop_item(text: &str) -> Option<String> {
    let n = norm(text);
    stop_condition(text).filter(|_| says_stop(&n) || opens_condition(&n))
}

/// A [`stop_condition`] that says to stop, hold, postpone or undo (`Revert immediately if errors
/// occur`, `… disable the toggle`), for the later sentences of a step: `If the adviser is unavailable then defer …`
/// only chooses who does it.
#[must_use]
pub fn undo_condition(sentence: &str) -> Option<String> {
    let n = norm(sentence);
    // Switching the feature off is how a feature-flag release rolls back (`… they will
    // contact the engineering team to disable the toggle`).
    let switches_off = (has(&n, "disable") || has(&n, "turn off") || has(&n, "switch off"))
        && ["toggle", "flag", "feature", "feature flag"]
            .iter()
            .any(|w| has(&n, w));
    stop_condition(sentence).filter(|_| says_stop(&n) || switches_off)
}

/// The condition clause of a sentence that opens with one: up to its first comma, else the
/// whole sentence.
fn clause(s: &str) -> String {
    s.split_once(',').map_or(s, |(c, _)| c).to_string()
}

/// A hold point written in a paragraph of a forward stage: a sentence that asks for a decision
/// as an item would ([`is_decision_item`]: `Before proceeding the failing tests need to be
/// fixed`, `DO NOT CONTINUE RELEASE (UNTIL FINISHED)`), that waits for something to succeed
/// or be merged (`Wait for the generated PR to be merged (after approval and LGTM)`, `watch
/// the job and wait for it to succeed`), that lets work go on only on a condition (`if it's
/// closed, the bot is healthy and you can keep going`), or that comes before a decision
/// (`before deciding on a full restore`). An instruction (`Watch the logs … before
/// proceeding`) is a step to do, not a hold point, unless it says to wait or not to go on.
/// A question whether to go on (`is this an acceptable time to upgrade?`) holds the work
/// until it is answered ([`asks_whether_to_proceed`]).
/// Returns the sentence, shortened to about 120 characters (the decision often comes late:
/// `… and ensure that these and external tests pass before opening up the platform`).
#[must_use]
pub fn hold_point(text: &str) -> Option<String> {
    sentences(text).find_map(|s| {
        // `Release Readiness Review` names the meeting that decides, though it opens with a
        // verb.
        if asks_whether_to_proceed(s) || has(&norm(s), "readiness review") {
            return Some(shorten(s, 120));
        }
        let n = norm(s);
        let waits = (n.starts_with(" wait for ") || has(&n, "and wait for"))
            && [
                "succeed",
                "succeeds",
                "pass",
                "passes",
                "be merged",
                "be approved",
                "approval",
                "complete",
                "finish",
            ]
            .iter()
            .any(|w| has(&n, w));
        let goes_on_if = (n.contains(" if ") || n.contains(" once "))
            && [
                "keep going",
                "you can proceed",
                "you can continue",
                "safe to proceed",
            ]
            .iter()
            .any(|w| has(&n, w));
        let decides = has(&n, "before deciding") || has(&n, "must be done before");
        // `Make sure … the release passed CI before proceeding`: a state to confirm, not a
        // step to watch.
        let confirms = [
            "make sure",
            "ensure",
            "verify",
            "confirm",
            "see that",
            "check that",
        ]
        .iter()
        .any(|w| has(&n, w))
            && ["before proceeding", "before continuing", "before moving on"]
                .iter()
                .any(|w| has(&n, w));
        // `Watch the logs … before proceeding` is a step to do; `Wait for …` and `Do not …`
        // hold the work.
        let step = is_instruction(s) && !n.starts_with(" wait ") && !n.starts_with(" do not ");
        (goes_on_if || confirms || (!step && (is_decision_item(s) || waits || decides)))
            .then(|| shorten(s, 120))
    })
}

/// A sentence that says when the work counts as done (`Cutover is considered successful after
/// 30 minutes of stable operation with no errors`, `The migration is considered complete once
/// all checks pass`): the decision that closes the deployment. Returns the sentence, shortened
/// to about 120 characters.
#[must_use]
pub fn completion_criterion(text: &str) -> Option<String> {
    sentences(text).find_map(|s| {
        let n = norm(s);
        let done = [
            "successful",
            "complete",
            "completed",
            "done",
            "finished",
            "a success",
        ]
        .iter()
        .any(|w| has(&n, &format!("considered {w}")) || has(&n, &format!("deemed {w}")));
        let when = [" after ", " when ", " once ", " if ", " only "]
            .iter()
            .any(|w| n.contains(w));
        (done && when).then(|| shorten(s, 120))
    })
}

/// The event a runbook answers, as its purpose states it: `switch over … to a different region
/// should there be an outage in its current region`, `to be used in case of an incident`, `in
/// the event of a data centre failure`. That event is the trigger for following the runbook.
/// Returns the event (`an outage in its current region`), up to the clause's end; `None` when
/// the sentence sets no such condition or the condition names no problem
/// ([`names_a_problem`]: `in case of a security update` is not one).
#[must_use]
pub fn purpose_condition(text: &str) -> Option<String> {
    const OPENERS: [&str; 5] = [
        "should there be ",
        "in the event of ",
        "in the event that ",
        "in case of ",
        "in the case of ",
    ];
    sentences(text).find_map(|s| {
        let lower = s.to_ascii_lowercase();
        let (at, len) = OPENERS
            .iter()
            .find_map(|o| lower.find(o).map(|k| (k, o.len())))?;
        let rest = &s[at + len..];
        let end = rest.find([',', ';', '.', '(']).unwrap_or(rest.len());
        // `… should there be an outage in its current region to improve the resilience …`: the
        // purpose that follows `to` is not part of the event.
        let event = rest[..end].split(" to ").next().unwrap_or_default().trim();
        (!event.is_empty() && names_a_problem(event)).then(|| shorten(event, 100))
    })
}

/// A question that asks whether the work may go on now: `is this an acceptable time to
/// upgrade?`, `Is it safe to proceed?`, `Are we ready to cut over?`, `OK to continue?`. Such
/// a question is a go/no-go the operator answers before the next step, wherever it is written
/// (prose, or a comment beside the commands that gather the answer). A question about
/// anything else (`how many user servers are running?`) is not.
#[must_use]
pub fn asks_whether_to_proceed(sentence: &str) -> bool {
    let s = sentence.trim();
    if !s.ends_with('?') {
        return false;
    }
    let n = norm(s);
    let time = [
        "acceptable",
        "good",
        "right",
        "safe",
        "suitable",
        "appropriate",
    ]
    .iter()
    .any(|w| has(&n, &format!("{w} time to")) || has(&n, &format!("{w} moment to")));
    let go_on = [
        "proceed", "continue", "go ahead", "move on", "upgrade", "deploy", "release", "cut over",
        "roll out", "go live",
    ]
    .iter()
    .any(|v| {
        [
            "safe to", "ok to", "okay to", "ready to", "clear to", "good to",
        ]
        .iter()
        .any(|q| has(&n, &format!("{q} {v}")))
    });
    time || go_on
}

/// The questions whether to go on ([`asks_whether_to_proceed`]) written as comments in a
/// block of commands (`# - is this an acceptable time to upgrade?` above the `kubectl` line
/// that shows the answer): the comment text, without its marker, shortened to about 120
/// characters.
#[must_use]
pub fn proceed_questions_in_code(code: &str) -> Vec<String> {
    code.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let text = l
                .strip_prefix("//")
                .or_else(|| l.strip_prefix("--"))
                .or_else(|| l.strip_prefix('#'))?;
            let text = text.trim_start_matches(|c: char| c == '-' || c == '*' || c.is_whitespace());
            asks_whether_to_proceed(text).then(|| shorten(text, 120))
        })
        .collect()
}

/// The condition a scenario heading names (`Scenario 1: Loss of database server`, `Scenario
/// B - Region outage`): what has happened when the section's procedure is followed, i.e. a
/// trigger. `None` for other headings.
#[must_use]
pub fn scenario(heading: &str) -> Option<String> {
    let t = clean::title(heading);
    let rest = t
        .strip_prefix("Scenario")
        .or_else(|| t.strip_prefix("scenario"))
        .or_else(|| t.strip_prefix("SCENARIO"))?;
    let (label, what) = rest.split_once([':', '-', '–', '—'])?;
    let label_ok = label.trim().chars().all(char::is_alphanumeric) && label.trim().len() <= 3;
    let what = what.trim();
    (label_ok && what.split_whitespace().count() >= 2).then(|| what.to_string())
}

/// An action stated in a rollback written as prose: the main clause of a sentence (after its
/// condition, when it opens with one) that is an instruction (`Point DNS back`) or says what
/// will be done (`the rollback plan is to point our CDN back…`, `the first step is to reach
/// out to Google support`, `we can destroy the cluster and recreate it`, `we have the ability
/// … to stop sending traffic`). Sentences that introduce something else (`read and understand
/// the following`) are not actions. Returns the sentence, shortened to about 120 characters.
#[must_use]
pub fn rollback_action(sentence: &str) -> Option<String> {
    let n = norm(sentence);
    if has(&n, "the following") || sentence.trim_end().ends_with(':') {
        return None;
    }
    let main = if opens_condition(&n) || n.starts_with(" depending ") {
        sentence.split_once(',').map(|(_, m)| m.trim())?
    } else {
        sentence
    };
    let m = norm(main);
    let says_plan = [
        "is to",
        "are to",
        "we can",
        "we will",
        "we ll",
        "we would",
        "we could",
        "we have the ability",
        "we are able to",
        "will be rolled back",
        "will be reverted",
    ]
    .iter()
    .any(|p| has(&m, p));
    (says_plan || is_instruction(main)).then(|| shorten(sentence, 120))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_criteria_close_the_work() {
        assert!(
            completion_criterion(
                "Cutover is considered successful after 30 minutes of stable operation."
            )
            .is_some()
        );
        assert!(
            completion_criterion("The migration is considered complete once all checks pass.")
                .is_some()
        );
        assert!(completion_criterion("This step is considered optional.").is_none());
    }

    #[test]
    fn sentences_split_at_stops() {
        let s: Vec<&str> = sentences("Run it. Then wait! Done? yes").collect();
        assert_eq!(s, ["Run it.", "Then wait!", "Done?", "yes"]);
        assert_eq!(sentences("v1.2.3 is out").count(), 1);
        assert_eq!(
            sentences("[!CAUTION] In case of fire").next(),
            Some("In case of fire")
        );
    }

    #[test]
    fn stop_conditions_need_a_condition_and_a_stop_or_a_problem() {
        assert!(
            stop_condition("If the issue is open you must stop the release process.").is_some()
        );
        assert!(stop_condition("If the job fails, look into the root cause.").is_some());
        assert!(
            stop_condition("Release day should be postponed if any conditions are not met.")
                .is_some()
        );
        assert_eq!(
            stop_condition("Option 2 would be used if the first option fails to work.").as_deref(),
            Some("If the first option fails to work")
        );
        assert!(stop_condition("In case a blocking test goes red, keep the PR held.").is_some());
        assert!(stop_condition("If you are releasing an alpha, use the alpha tag.").is_none());
        assert!(stop_condition("Check if there are any errors in the log.").is_none());
        assert!(stop_condition("This is required even if the backup failed.").is_none());
        assert_eq!(
            stop_condition("That is the job to rerun if it fails.").as_deref(),
            Some("That is the job to rerun if it fails")
        );
        assert!(stop_item("Create snapshots to recover if there is an issue.").is_none());
        assert!(stop_item("Release day should be postponed if a condition is not met.").is_some());
        assert!(stop_item("If regressions are detected, they need to get fixed.").is_some());
        assert!(undo_condition("Revert immediately if errors occur.").is_some());
        assert!(undo_condition("If the adviser is unavailable then defer it.").is_none());
        assert!(stop_condition("Run the release command.").is_none());
        assert!(stop_condition("If the issue is open you must stop the release.").is_some());
        assert!(stop_condition("In case of rollback, uncomment the section below.").is_none());
        assert!(stop_condition("When setting a time, ask when errors are seen.").is_none());
    }

    #[test]
    fn hold_points_in_prose() {
        assert!(hold_point("Before proceeding the failing tests need to be fixed.").is_some());
        assert!(hold_point("Wait for the generated PR to be merged (after approval).").is_some());
        assert!(hold_point("If it's closed, the bot is healthy and you can keep going.").is_some());
        assert!(hold_point("This is expected, you can proceed with the release.").is_none());
        assert!(hold_point("Wait 30s and check again.").is_none());
        assert!(hold_point("Watch the logs to see the job finish before proceeding.").is_none());
        assert!(
            hold_point(
                "Make sure to check CircleCI to see that the release passed CI before proceeding."
            )
            .is_some()
        );
        assert!(hold_point("Do not release with a Red CI.").is_some());
        assert!(
            undo_condition(
                "If they see a spike in errors, they will contact the team to disable the toggle."
            )
            .is_some()
        );
        assert!(undo_condition("If the page is slow, disable the cache warmer.").is_none());
    }

    #[test]
    fn scenario_headings_name_their_condition() {
        assert_eq!(
            scenario("Scenario 1: Loss of database server").as_deref(),
            Some("Loss of database server")
        );
        assert_eq!(
            scenario("Scenario B - Region outage").as_deref(),
            Some("Region outage")
        );
        assert_eq!(scenario("Scenarios we tested"), None);
        assert_eq!(scenario("Scenario: x"), None);
    }

    #[test]
    fn rollback_actions_in_prose() {
        assert!(
            rollback_action("Prior to stage 5, the rollback plan is to point our CDN back.")
                .is_some()
        );
        assert!(
            rollback_action("In the case of failure, we can destroy the cluster and recreate it.")
                .is_some()
        );
        assert!(
            rollback_action("Depending how far it has progressed, GDS may opt to roll back.")
                .is_none()
        );
        assert!(rollback_action("Please make sure to read and understand the following").is_none());
        assert!(rollback_action("There is no ability for us to roll back.").is_none());
    }
}
