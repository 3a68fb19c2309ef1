//! Which sections are stages of the deployment (phases of the timeline), and which only group
//! the text of one stage.
//!
//! A lead reads the stages at the level where the plan splits its work in time: the children of
//! a section that holds timed sections (`### Release Preparation` → `#### ~ 1 week before`) or
//! that splits its work into several sections of tasks (`# Pre-release` → `## Build`,
//! `## Sanity-check the build`) are stages of their own; a section below a stage (`#### In k6
//! repository` under `### Release Day`) is part of that stage. Such a splitting section is a
//! *container*. Containers are closed upwards: a section above a container is one too, so the
//! stages never overlap.
//!
//! A rollback section inside a forward stage (`#### Rolling Back` under `### Production`) splits
//! that stage too: rollback steps are never forward work.
//!
//! Reference sections (success criteria, contacts, notes, risks…, see
//! [`rules::is_reference_heading`]) are not containers, their sub-sections being one block of
//! text, unless the plan lists those sub-sections as its steps (`## Activity overview` then
//! `### 1. …`, `### 2. …`).

use super::rules;
use super::scan::Heading;
use crate::plan::schedule;

/// The sub-headings of each heading, in document order (`children[h]`), for rules that look at
/// a heading's children: built once, so those rules stay linear in the plan's size.
#[must_use]
pub fn children(heads: &[Heading]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); heads.len()];
    for (h, head) in heads.iter().enumerate() {
        if let Some(p) = head.parent {
            out[p].push(h);
        }
    }
    out
}

/// For each heading: whether its children are stages of their own (see the module docs).
/// `timed[h]`: the heading has a time window; `owns[h]`: tasks or a gate sit directly in its
/// section.
#[must_use]
pub fn containers(heads: &[Heading], timed: &[bool], owns: &[bool], listed: &[bool]) -> Vec<bool> {
    let n = heads.len();
    // Does the subtree of `h` (itself included) own anything?
    let mut owns_below = owns.to_vec();
    let mut timed_below = vec![false; n];
    let mut children_owning = vec![0usize; n];
    for h in (0..n).rev() {
        if let Some(p) = heads[h].parent {
            if owns_below[h] {
                owns_below[p] = true;
                children_owning[p] += 1;
            }
            if timed[h] || timed_below[h] {
                timed_below[p] = true;
            }
        }
    }
    // A rollback procedure written inside a forward stage is a stage of its own.
    let mut rollback_child = vec![false; n];
    for h in 0..n {
        if let Some(p) = heads[h].parent
            && owns_below[h]
            && rules::is_rollback_heading(&heads[h].text)
            && !rules::is_rollback_heading(&heads[p].text)
        {
            rollback_child[p] = true;
        }
    }
    // Steps the plan lists split their parent whatever its heading says (`## Activity
    // overview` then `### 1. …`, `### 2. …`).
    let mut listed_children = vec![0usize; n];
    for h in 0..n {
        if listed[h]
            && let Some(p) = heads[h].parent
        {
            listed_children[p] += 1;
        }
    }
    let templated = templated_parts(heads);
    let mut out: Vec<bool> = (0..n)
        .map(|h| {
            listed_children[h] >= 2
                || (!rules::is_reference_heading(&heads[h].text)
                    && (timed_below[h]
                        || (children_owning[h] >= 2 && !templated[h])
                        || rollback_child[h]))
        })
        .collect();
    for h in (0..n).rev() {
        if out[h]
            && let Some(p) = heads[h].parent
        {
            out[p] = true;
        }
    }
    out
}

/// The stage that the text of section `sec` belongs to: the deepest timed section among `sec`
/// and its ancestors; else the highest ancestor-or-self whose parent is a container (or that
/// has no parent but the title); `None` for text outside every section but the title.
/// `is_title(h)`: heading `h` is the plan's title.
#[must_use]
pub fn stage_of(
    heads: &[Heading],
    timed: &[bool],
    containers: &[bool],
    is_title: &dyn Fn(usize) -> bool,
    sec: Option<usize>,
) -> Option<usize> {
    let ancestors = || std::iter::successors(sec, |&x| heads[x].parent);
    if let Some(t) = ancestors().find(|&x| timed[x]) {
        return Some(t);
    }
    let mut stage = None;
    for x in ancestors() {
        if is_title(x) {
            break;
        }
        if containers[x] {
            // `x` splits into stages: the child on the way up (or `x` itself, for the text
            // directly under it) is the stage.
            return Some(stage.unwrap_or(x));
        }
        stage = Some(x);
    }
    stage
}

/// Sections whose steps are their sub-headings (`### Pre-deploy` then `#### Check NewRelic`,
/// `#### Cut a release branch`, each with prose): a stage below a container that owns no
/// tasks, has at least two sub-headings and is not reference text. Its sub-headings are its
/// tasks. `owns_below[h]`: tasks or gates in the subtree of `h`.
#[must_use]
pub fn heading_steps(
    heads: &[Heading],
    children: &[Vec<usize>],
    containers: &[bool],
    owns_below: &[bool],
    timed: &[bool],
    is_title: &dyn Fn(usize) -> bool,
) -> Vec<usize> {
    let n = heads.len();
    let mut timed_subtree = timed.to_vec();
    for h in (0..n).rev() {
        if timed_subtree[h]
            && let Some(p) = heads[h].parent
        {
            timed_subtree[p] = true;
        }
    }
    // A timed stage whose sub-headings are instructions (`## 10 Days before release` then
    // `### Announce your plans to the team`, `### Update each CHANGELOG.`): they are its steps.
    let instructed_timed = |h: usize| {
        timed[h]
            && !children[h].iter().any(|&c| timed_subtree[c])
            && children[h]
                .iter()
                .filter(|&&c| rules::is_instruction(&heads[c].text))
                .count()
                * 2
                >= children[h].len()
    };
    (0..n)
        .filter(|&h| {
            let splits = heads[h]
                .parent
                .is_some_and(|p| containers[p] && !is_title(p));
            let prose_stage = splits
                && !containers[h]
                && !owns_below[h]
                && !timed_subtree[h]
                && !rules::is_reference_heading(&heads[h].text);
            children[h].len() >= 2 && (prose_stage || instructed_timed(h))
        })
        .collect()
}

/// For each heading: whether its sub-headings are the parts of a template its siblings share
/// (`### Stage A` and `### Stage B` each with `#### Planning` and `#### Results`): then the
/// sub-headings are parts of it, not stages — it is the stage. True when one of its
/// sub-headings' titles also titles a sub-heading of a sibling.
#[must_use]
pub fn templated_parts(heads: &[Heading]) -> Vec<bool> {
    let n = heads.len();
    let children = children(heads);
    let key = |h: usize| heads[h].text.trim().to_lowercase();
    let mut out = vec![false; n];
    // Per parent: how many of its children hold a sub-heading of each title (one pass over the
    // grandchildren; a flat plan of many headings stays linear).
    let mut holders: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for kids in &children {
        holders.clear();
        for &h in kids {
            let mut own: Vec<String> = children[h].iter().map(|&c| key(c)).collect();
            own.sort_unstable();
            own.dedup();
            for k in own {
                *holders.entry(k).or_default() += 1;
            }
        }
        for &h in kids {
            out[h] = children[h]
                .iter()
                .any(|&c| holders.get(&key(c)).is_some_and(|&count| count >= 2));
        }
    }
    out
}

/// Headings that number the plan's steps: `Step 0.1`, `Step 2: Determine node pools`, `Stage A:
/// Canary 5-10% of users`, `Phase II: Staged Rollout`, `Wave 1` (a number, roman numeral or one
/// letter after the word, when the plan has at least two headings with that word), and bare numbers `0.` … `7.` / `4)` that run
/// consecutively through the document (at least three, at any level, as plans that promote a
/// step by mistake write them). A numbered heading with numbered, labelled or timed
/// sub-headings is a chapter, not a step; notes, criteria, risks, summaries and contacts are never steps.
#[must_use]
pub fn numbered_steps(
    heads: &[Heading],
    children: &[Vec<usize>],
    is_title: &dyn Fn(usize) -> bool,
) -> Vec<usize> {
    let n = heads.len();
    // `Step 2`, `Optional Step 3`, `Stage A`, `Phase II`, `Wave 1`: the label word, when a
    // number, a roman numeral or one letter follows it.
    let step_word = |t: &str| -> Option<&'static str> {
        let l = t.trim_start().to_lowercase();
        let l = l.strip_prefix("optional ").unwrap_or(&l);
        ["step", "stage", "phase", "wave"].into_iter().find(|w| {
            l.strip_prefix(w).is_some_and(|r| {
                let label: String = r
                    .trim_start()
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                let after = r.trim_start()[label.len()..].chars().next();
                r.starts_with(' ')
                    && !label.is_empty()
                    && after.is_none_or(|c| matches!(c, ':' | '.' | ')' | ' ' | '-' | '–'))
                    && (label.chars().all(|c| c.is_ascii_digit())
                        || label.len() == 1
                        || label.chars().all(|c| matches!(c, 'i' | 'v' | 'x')))
            })
        })
    };
    // `3. Restore Database`, `4) Run Migration`: the integer, when nothing but `.`/`)` and a
    // space follow it.
    let bare = |t: &str| -> Option<u32> {
        let t = t.trim_start();
        let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
        let rest = &t[digits.len()..];
        let sep = rest.starts_with(". ") || rest.starts_with(')');
        (!digits.is_empty() && digits.len() <= 3 && sep && !rest.starts_with(".."))
            .then(|| digits.parse().ok())
            .flatten()
    };
    let chapter = |h: usize| {
        children[h].iter().any(|&c| {
            schedule::find(&heads[c].text).is_some()
                || step_word(&heads[c].text).is_some()
                || heads[c]
                    .text
                    .trim_start()
                    .starts_with(|ch: char| ch.is_ascii_digit())
        })
    };
    // A numbered step may say `communications` or `team`; notes, criteria, risks, summaries
    // and contacts are still not steps.
    let ok = |h: usize| {
        !is_title(h) && !chapter(h) && !rules::is_notes_heading(&heads[h].text) && {
            let t = heads[h].text.to_lowercase();
            !["summary", "overview", "contact"]
                .iter()
                .any(|w| t.contains(w))
        }
    };
    let mut out: Vec<usize> = Vec::new();
    for word in ["step", "stage", "phase", "wave"] {
        let steps: Vec<usize> = (0..n)
            .filter(|&h| step_word(&heads[h].text) == Some(word))
            .collect();
        if steps.len() >= 2 {
            out.extend(steps.into_iter().filter(|&h| ok(h)));
        }
    }
    // Runs of consecutive bare numbers, in document order.
    let numbered: Vec<(usize, u32)> = (0..n)
        .filter_map(|h| bare(&heads[h].text).map(|k| (h, k)))
        .collect();
    let mut k = 0;
    while k < numbered.len() {
        let mut end = k + 1;
        while end < numbered.len() && numbered[end].1 == numbered[end - 1].1 + 1 {
            end += 1;
        }
        if end - k >= 3 {
            out.extend(numbered[k..end].iter().map(|&(h, _)| h).filter(|&h| ok(h)));
        }
        k = end;
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Sibling headings that are the plan's steps because they are written as instructions
/// (`### Block deployments`, `### Enable the maintenance page`, `### Start the upgrade`): a
/// group of at least three siblings, two thirds of which read as instructions
/// ([`rules::is_instruction_heading`]), read in order as a numbered procedure is. Every sibling of such
/// a group is a step (`### Database checks` among them), except reference sections and
/// headings with sub-headings of their own (chapters).
#[must_use]
pub fn instruction_steps(
    heads: &[Heading],
    children: &[Vec<usize>],
    is_title: &dyn Fn(usize) -> bool,
) -> Vec<usize> {
    let n = heads.len();
    let roots: Vec<usize> = (0..n).filter(|&h| heads[h].parent.is_none()).collect();
    let mut out = Vec::new();
    for group in std::iter::once(&roots).chain(children) {
        let members: Vec<usize> = group
            .iter()
            .copied()
            .filter(|&h| {
                // A check is work even when it names who does it (`Service team check the
                // app works`: `team` alone would make it reference text).
                let t = &heads[h].text;
                !is_title(h)
                    && children[h].is_empty()
                    && (!rules::is_reference_heading(t) || rules::is_check_heading(t))
            })
            .collect();
        let instructions = members
            .iter()
            .filter(|&&h| rules::is_instruction_heading(&heads[h].text))
            .count();
        if instructions >= 3 && instructions * 3 >= members.len() * 2 {
            out.extend(members);
        }
    }
    out.sort_unstable();
    out
}

/// Sections written between two stages, as their siblings, that are neither reference text nor
/// inside a stage: stages of their own, though the plan gives them only prose (`## Releasing
/// contrib` between `## Releasing core` and `## Post-release steps`, pointing to another
/// document). `stage[h]`: heading `h` is already a stage.
#[must_use]
pub fn between(
    heads: &[Heading],
    children: &[Vec<usize>],
    stage: &[bool],
    containers: &[bool],
    is_title: &dyn Fn(usize) -> bool,
) -> Vec<usize> {
    let n = heads.len();
    let splits = |p: Option<usize>| p.is_none_or(|p| is_title(p) || containers[p]);
    let candidate = |h: usize| {
        !stage[h]
            && !containers[h]
            && !is_title(h)
            && splits(heads[h].parent)
            && !rules::is_reference_heading(&heads[h].text)
    };
    let roots: Vec<usize> = (0..n).filter(|&h| heads[h].parent.is_none()).collect();
    let mut out = Vec::new();
    // Within each group of siblings: a stage somewhere before and somewhere after.
    for group in std::iter::once(&roots).chain(children) {
        let Some(first) = group.iter().position(|&x| stage[x]) else {
            continue;
        };
        let last = group.iter().rposition(|&x| stage[x]).unwrap_or(first);
        if last <= first + 1 {
            continue;
        }
        out.extend(
            group[first + 1..last]
                .iter()
                .copied()
                .filter(|&h| candidate(h)),
        );
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(level: u8, text: &str, parent: Option<usize>) -> Heading {
        Heading {
            level,
            text: text.to_string(),
            line: 0,
            parent,
            promoted: false,
        }
    }

    #[test]
    fn timed_grandchildren_split_their_section() {
        // ## Release Activities / ### At the beginning / ### Preparation / #### ~1 week before
        // / ## Wrapping up
        let heads = [
            head(2, "Release Activities", None),
            head(3, "At the beginning of the cycle", Some(0)),
            head(3, "Release Preparation", Some(0)),
            head(4, "~ 1 week before the release", Some(2)),
            head(2, "Wrapping Release", None),
        ];
        let timed = [false, false, false, true, false];
        let owns = [false, true, false, true, true];
        let c = containers(&heads, &timed, &owns, &[false; 5]);
        assert_eq!(c, [true, false, true, false, false]);
        let no_title = |_| false;
        let stage = |s| stage_of(&heads, &timed, &c, &no_title, Some(s));
        assert_eq!(stage(1), Some(1));
        assert_eq!(stage(3), Some(3));
        assert_eq!(stage(4), Some(4));
    }

    #[test]
    fn a_single_section_of_tasks_keeps_its_sub_sections() {
        // ## Deploy / ### Notes (prose) / ### Steps (tasks): one stage, `Deploy`.
        let heads = [
            head(2, "Deploy", None),
            head(3, "Background", Some(0)),
            head(3, "Steps", Some(0)),
        ];
        let c = containers(&heads, &[false; 3], &[false, false, true], &[false; 3]);
        assert_eq!(c, [false; 3]);
        assert_eq!(
            stage_of(&heads, &[false; 3], &c, &|_| false, Some(2)),
            Some(0)
        );
    }

    #[test]
    fn reference_sections_stay_one_block() {
        let heads = [
            head(2, "Success Criteria", None),
            head(3, "Technical", Some(0)),
            head(3, "Business", Some(0)),
        ];
        let c = containers(&heads, &[false; 3], &[false, true, true], &[false; 3]);
        assert_eq!(c, [false; 3]);
        assert_eq!(
            stage_of(&heads, &[false; 3], &c, &|_| false, Some(2)),
            Some(0)
        );
    }
}
