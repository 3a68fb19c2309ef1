//! The plan's outline: its title, each heading's time, and what each section is (timed,
//! listed as a step, rollback, triggers, notes) — the facts every later pass of [`super`]
//! reads.

use std::path::Path;

use super::words::{file_title, front_matter_title};
use crate::plan::markdown::announce::{self, Announced};
use crate::plan::markdown::meta::Meta;
use crate::plan::markdown::rows::Row;
use crate::plan::markdown::scan::{Doc, Heading};
use crate::plan::markdown::timing::{self, Timing};
use crate::plan::markdown::{Warnings, lead_times, rows, rules, stages};
use crate::plan::schedule::Found;
use crate::plan::{Schedule, clean};

/// What the headings of a document say about its sections. Per-heading vectors are indexed by
/// heading (`0..n`); per-section ones by section (`0` is the text before the first heading,
/// `h + 1` heading `h`'s own text), as [`Doc::entries`] is.
pub struct Outline<'a> {
    /// The scanned document.
    pub doc: &'a Doc,
    /// Its headings, in order.
    pub heads: &'a [Heading],
    /// How many headings there are.
    pub n: usize,
    /// Read loosely: every section's plain bullets and instruction paragraphs are work.
    pub loose: bool,
    /// The plan's title.
    pub title: String,
    /// The heading used as the title, if one is.
    pub title_heading: Option<usize>,
    /// The rows of the document's schedules ([`rows::rows`]).
    pub schedule_rows: Vec<Row>,
    /// The window written in each heading.
    pub found: Vec<Option<Found>>,
    /// Each heading's resolved schedule.
    pub schedules: Vec<Schedule>,
    /// For each schedule row, the heading it names.
    pub row_heading: Vec<Option<usize>>,
    /// Whether a heading's time came from a `Label: time` line among its first lines.
    pub lead_timed: Vec<bool>,
    /// A heading with a time of its own (not the title).
    pub timed: Vec<bool>,
    /// A heading with a timed heading somewhere below it.
    pub timed_below: Vec<bool>,
    /// In a rollback, contingency, backout or fallback section.
    pub rollback: Vec<bool>,
    /// In a section of rollback triggers.
    pub trigger_ctx: Vec<bool>,
    /// In notes, criteria or troubleshooting.
    pub notes_ctx: Vec<bool>,
    /// A step the plan lists (an index links to it, its heading numbers it, it names a side
    /// of the go-live event, or it is one rollback alternative of several).
    pub listed: Vec<bool>,
    /// Listed because it is an instruction sub-heading of its siblings.
    pub instructed: Vec<bool>,
    /// A heading that places its section before or after the go-live event.
    pub event_side: Vec<bool>,
    /// Each heading's direct sub-headings.
    pub sub_heads: Vec<Vec<usize>>,
    /// By section: it holds a task-list item.
    pub has_checklist: Vec<bool>,
    /// By section: it holds a top-level numbered item outside a quote.
    pub has_numbered: Vec<bool>,
    /// By section: (items, items that link to a heading of the plan).
    links: Vec<(usize, usize)>,
    /// The window the title heading gives, resolved ([`Timing::title_schedule`]).
    pub title_schedule: Schedule,
    /// The window a notice announces in its opening text, if any ([`announce`]).
    pub announced: Option<Announced>,
    /// No section but the title's holds any text.
    title_text_only: bool,
    /// Each heading's link anchor (`#freeze-the-pipeline`).
    anchors: Vec<String>,
}

/// Stages only a schedule lists, and run-sheet rows that name no heading (see [`Timing`]):
/// handed on to the phase pass, which consumes them.
pub struct Unnamed {
    /// Schedule rows no heading names, from schedules most of whose rows name headings.
    pub extra: Vec<(Row, Schedule)>,
    /// Table rows from tables most of whose rows name no heading.
    pub orphans: Vec<(Row, Schedule)>,
}

impl<'a> Outline<'a> {
    /// Reads the outline of `doc`; `meta` gives T-0 and zones for the headings' times;
    /// problems with times are added to `warnings`.
    pub fn read(
        doc: &'a Doc,
        meta: &Meta,
        file: &Path,
        loose: bool,
        warnings: &mut Warnings,
    ) -> (Self, Unnamed) {
        let heads = &doc.headings[..];
        let n = heads.len();
        let (title, title_heading) = title(doc, meta, file);
        let schedule_rows = rows::rows(doc);
        // A schedule's entries are stages, not a notice's steps.
        let title_text_only = schedule_rows.is_empty()
            && (0..n).all(|x| title_heading == Some(x) || doc.entries[x + 1].is_empty());
        let heading_found: Vec<Option<Found>> = heads
            .iter()
            .map(|h| crate::plan::schedule::find(&h.text))
            .collect();
        let lead = lead_times::lead_times(doc, &heading_found, title_heading);
        let Timing {
            found,
            schedules,
            extra,
            row_heading,
            orphans,
            title_schedule,
        } = timing::resolve(
            heads,
            title_heading,
            &schedule_rows,
            heading_found,
            &lead,
            meta,
            warnings,
        );
        let mut o = Outline {
            doc,
            heads,
            n,
            loose,
            title,
            title_heading,
            schedule_rows,
            lead_timed: lead.iter().map(Option::is_some).collect(),
            timed: (0..n)
                .map(|h| found[h].is_some() && title_heading != Some(h))
                .collect(),
            found,
            schedules,
            row_heading,
            timed_below: Vec::new(),
            rollback: Vec::new(),
            trigger_ctx: Vec::new(),
            notes_ctx: Vec::new(),
            listed: vec![false; n],
            instructed: vec![false; n],
            event_side: Vec::new(),
            sub_heads: stages::children(heads),
            has_checklist: vec![false; n + 1],
            has_numbered: vec![false; n + 1],
            links: vec![(0, 0); n + 1],
            announced: announce::opening_window(doc, title_heading, meta),
            title_text_only,
            title_schedule,
            anchors: heads
                .iter()
                .map(|h| rules::heading_anchor(&h.text))
                .collect(),
        };
        o.timed_below = o.below(&o.timed);
        o.rollback = o.inherit(&|h| rules::is_rollback_heading(&heads[h].text));
        o.trigger_ctx = o.inherit(&|h| rules::is_trigger_heading(&heads[h].text));
        o.notes_ctx = o.inherit(&|h| rules::is_notes_heading(&heads[h].text));
        for it in &doc.items {
            let s = sec(it.heading);
            if it.checked.is_some() {
                o.has_checklist[s] = true;
            }
            if it.ordered && it.parent.is_none() && !it.quoted {
                o.has_numbered[s] = true;
            }
        }
        o.find_listed();
        (o, Unnamed { extra, orphans })
    }

    /// Marks the sections the plan lists as steps: by an index of links, by numbered or
    /// instruction headings, by naming a side of the go-live event, and the alternatives of a
    /// rollback.
    fn find_listed(&mut self) {
        let (doc, heads, n) = (self.doc, self.heads, self.n);
        let items = &doc.items;
        // An index of steps (`1. [Freeze the pipeline](#freeze-the-pipeline)` …): a list most
        // of whose items link to sections of the plan. Its items are not tasks; the sections it
        // lists are stages.
        for (i, it) in items.iter().enumerate() {
            let s = sec(it.heading);
            self.links[s].0 += 1;
            self.links[s].1 += usize::from(self.link_target(i).is_some());
        }
        for (i, it) in items.iter().enumerate() {
            // The index's top level names the stages (below an entry for the title, when the
            // index starts with one); its nested entries are parts of them.
            let top_level = match it.parent {
                None => true,
                Some(p) => {
                    items[p].parent.is_none()
                        && self.link_target(p).is_some_and(|h| self.is_title(h))
                }
            };
            if self.is_index_section(sec(it.heading))
                && top_level
                && let Some(h) = self.link_target(i).filter(|&h| !self.is_title(h))
            {
                self.listed[h] = true;
            }
        }
        let is_title = |h: usize| self.title_heading == Some(h);
        for h in stages::numbered_steps(heads, &self.sub_heads, &is_title) {
            self.listed[h] = true;
        }
        // `## Before the final release` beside `## At final release time`: a stage on the time
        // line, though its heading gives no window.
        self.event_side = (0..n)
            .map(|h| !is_title(h) && crate::plan::schedule::names_event_side(&heads[h].text))
            .collect();
        for (h, head) in heads.iter().enumerate() {
            if self.event_side[h] || (!is_title(h) && rules::is_follow_up_heading(&head.text)) {
                self.listed[h] = true;
            }
        }
        // Inside a step the plan already lists, instruction sub-headings are parts of that step
        // (`## Prerequisites` → `### Install latest software` → `#### Download krel`).
        for h in stages::instruction_steps(heads, &self.sub_heads, &is_title) {
            if !self.ancestors(heads[h].parent).any(|x| self.listed[x]) {
                self.instructed[h] = !self.listed[h];
                self.listed[h] = true;
            }
        }
        // A rollback heading with nothing under it but sub-sections (`## Rollback plan` then
        // `### Rollback prior to stage 5`, `### Rollback after stage 5`): those are
        // alternatives the lead picks from, each a rollback stage of its own.
        let rollback_parents: Vec<usize> = (0..n)
            .filter(|&h| {
                // A listed step (`Phase 6: Rollback Procedures`) is one stage; its sub-sections
                // are its parts.
                !is_title(h)
                    && !self.listed[h]
                    && doc.entries[h + 1].is_empty()
                    && rules::is_rollback_heading(&heads[h].text)
                    && !rules::is_trigger_heading(&heads[h].text)
            })
            .collect();
        for h in rollback_parents {
            let alternatives: Vec<usize> = self.sub_heads[h]
                .iter()
                .copied()
                .filter(|&c| {
                    !doc.entries[c + 1].is_empty() && !rules::is_trigger_heading(&heads[c].text)
                })
                .collect();
            // `### 6.1 Automated Rollback Script`, `### 6.2 Rollback Decision Tree`: numbered
            // parts of one procedure, not alternatives.
            let numbered = alternatives.iter().any(|&c| {
                heads[c]
                    .text
                    .trim_start()
                    .starts_with(|c: char| c.is_ascii_digit())
            });
            if !numbered && alternatives.len() >= 2 {
                for c in alternatives {
                    self.listed[c] = true;
                }
            }
        }
    }

    /// Whether heading `h` is the plan's title.
    pub fn is_title(&self, h: usize) -> bool {
        self.title_heading == Some(h)
    }

    /// `h` and the headings that enclose it, innermost first.
    pub fn ancestors(&self, h: Option<usize>) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(h, |&x| self.heads[x].parent)
    }

    /// For each heading, whether `flag` holds for a heading somewhere below it.
    pub fn below(&self, flag: &[bool]) -> Vec<bool> {
        let mut out = vec![false; self.n];
        for h in (0..self.n).rev() {
            if (flag[h] || out[h])
                && let Some(p) = self.heads[h].parent
            {
                out[p] = true;
            }
        }
        out
    }

    /// For each heading, whether `flag` holds for it (not the title) or an enclosing heading.
    fn inherit(&self, flag: &dyn Fn(usize) -> bool) -> Vec<bool> {
        let mut out = vec![false; self.n];
        for h in 0..self.n {
            out[h] = (!self.is_title(h) && flag(h)) || self.heads[h].parent.is_some_and(|p| out[p]);
        }
        out
    }

    /// The heading item `i` links to (`[Step](#step)`), if any.
    fn link_target(&self, i: usize) -> Option<usize> {
        let anchor = self.doc.items[i].anchor.as_deref()?;
        self.anchors.iter().position(|x| x == anchor)
    }

    /// Whether section `s` is an index of steps: at least two of its items, and half or more,
    /// link to headings of the plan.
    pub fn is_index_section(&self, s: usize) -> bool {
        let (items, linked) = self.links[s];
        linked >= 2 && linked * 2 >= items
    }

    /// Whether section `h` counts as a listed one when the plan is read loosely: every section
    /// but the title and reference text.
    pub fn loose_section(&self, h: usize) -> bool {
        self.loose
            && !self.is_title(h)
            && !self
                .ancestors(Some(h))
                .any(|a| rules::is_reference_heading(&self.heads[a].text))
    }

    /// A place in a listed section (or its part), or in any section read loosely — the
    /// title's own text too, read loosely, when no other section holds any (a notice that
    /// lists `the following will be done:` under its title).
    pub fn listed_section(&self, h: Option<usize>) -> bool {
        self.ancestors(h).any(|x| self.listed[x])
            || h.is_some_and(|h| self.loose_section(h))
            || (self.loose && self.title_text_only && h.is_none_or(|h| self.is_title(h)))
    }

    /// A place in a timed section or its part: a timed stage that writes its work as plain
    /// bullets (`### T-14 Days` then `* Assess the state of the project`) has those bullets as
    /// its tasks.
    pub fn timed_section(&self, h: Option<usize>) -> bool {
        self.ancestors(h).any(|x| self.timed[x])
    }
}

/// The plan's title and the heading it comes from: the first heading when it is level 1 (and
/// the only `#` heading, or there is no front-matter or header title); else the front matter's
/// `title` (or `name`), else a `Title: …` header line (a PEP's); else the first heading; else
/// the file name. An empty first heading (`#`) names nothing: the file does, as for a TOML plan.
fn title(doc: &Doc, meta: &Meta, file: &Path) -> (String, Option<usize>) {
    let heads = &doc.headings;
    let fm_title = doc
        .front_matter
        .as_deref()
        .and_then(front_matter_title)
        .or_else(|| meta.title.as_deref().map(clean::title));
    // Several `#` headings under a front-matter title are the plan's top sections, not its title.
    let level1 = heads.iter().filter(|h| h.level == 1).count();
    let first = heads.first().filter(|h| !h.promoted);
    let (title, title_heading) = match (first, fm_title) {
        (Some(h), fm) if h.level == 1 && (level1 == 1 || fm.is_none()) => {
            (clean::title(&h.text), Some(0))
        }
        (_, Some(t)) => (t, None),
        (Some(h), None) => (clean::title(&h.text), Some(0)),
        (None, None) => (file_title(file), None),
    };
    if title.trim().is_empty() {
        (file_title(file), title_heading)
    } else {
        (title, title_heading)
    }
}

/// The section index of a place under heading `h` (`None`: before the first heading), as
/// [`Doc::entries`] is indexed.
pub fn sec(h: Option<usize>) -> usize {
    h.map_or(0, |h| h + 1)
}
