//! First pass of the Markdown importer: the parser's events → headings, list items, tables and
//! prose, each with its 1-based line and the section (heading) it is in. Nothing is classified
//! here (task, gate, trigger…); that is `build`'s job.
//!
//! Code blocks, HTML blocks (comments included) and the YAML front matter are never headings or
//! items: the parser reports them as opaque blocks. Their byte ranges are kept so that the
//! header-line reader skips them too.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::plan::clean;

/// A heading: a section of the plan.
#[derive(Debug, Clone)]
pub struct Heading {
    /// 1–6.
    pub level: u8,
    /// Text, markup removed, mojibake repaired, on one line ([`clean::text`]).
    pub text: String,
    /// 1-based line.
    pub line: usize,
    /// The enclosing heading (the nearest earlier one of a lower level).
    pub parent: Option<usize>,
    /// Read from a short line of text, not written as a heading ([`super::para_stages`]):
    /// never the plan's title.
    pub promoted: bool,
}

/// A list item (of any list, at any depth).
#[derive(Debug, Clone)]
pub struct Item {
    /// 1-based line of the item's marker.
    pub line: usize,
    /// The section it is in (`None`: before the first heading).
    pub heading: Option<usize>,
    /// `Some(done)` for a GFM task-list item (`[ ]` / `[x]`).
    pub checked: Option<bool>,
    /// In a numbered list.
    pub ordered: bool,
    /// The item whose nested list this item is in.
    pub parent: Option<usize>,
    /// Inside a block quote or footnote (not one of the section's own steps).
    pub quoted: bool,
    /// The paragraph right before a top-level list, if that was the last block before it
    /// (`Rollback if:`), cleaned.
    pub lead: Option<String>,
    /// The item's own text (not its nested items'), cleaned.
    pub text: String,
    /// The section the item links to when it opens with a link to an anchor of this document
    /// (`[Freeze the pipeline](#freeze-the-pipeline)` → `freeze-the-pipeline`).
    pub anchor: Option<String>,
}

/// A table: rows of cleaned cell texts, the header row first.
#[derive(Debug, Clone)]
pub struct Table {
    /// Rows, header first.
    pub rows: Vec<Vec<String>>,
    /// The 1-based line each row starts on (for a table written in HTML, the block's first
    /// line for every row).
    pub lines: Vec<usize>,
}

/// One block of a section, in document order.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A paragraph, cleaned, on one line, and the 1-based line it starts on.
    Para(String, usize),
    /// A list item (index into [`Doc::items`]).
    Item(usize),
    /// A table (index into [`Doc::tables`]).
    Table(usize),
    /// A code block, lines kept, and where it starts and what it holds.
    Code(String, Fence),
}

/// Where a code block starts and whether it holds commands to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fence {
    /// The 1-based line of the opening fence (or of an indented block's first line).
    pub line: usize,
    /// Commands for a shell: the fence says so (```` ```bash ````, `shell`, `console`,
    /// `powershell`…) or its first line is a prompt (`$ make release`). A bare fence is
    /// often output or an example file, so it does not count.
    pub shell: bool,
}

/// Info strings (the word after the opening fence) that mark shell commands, as GitHub's
/// linguist names the shell languages.
const SHELL_FENCES: &[&str] = &[
    "bash",
    "sh",
    "shell",
    "zsh",
    "fish",
    "console",
    "shell-session",
    "shellsession",
    "terminal",
    "powershell",
    "pwsh",
    "ps1",
    "ps",
    "bat",
    "cmd",
];

/// The scanned document.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// Headings in order.
    pub headings: Vec<Heading>,
    /// List items in order (a parent always before its children).
    pub items: Vec<Item>,
    /// Tables in order.
    pub tables: Vec<Table>,
    /// Blocks per section: `[0]` before the first heading, `[h + 1]` under heading `h`.
    pub entries: Vec<Vec<Entry>>,
    /// Raw text of the YAML front matter, if any.
    pub front_matter: Option<String>,
    /// Byte ranges of code, HTML and front-matter blocks.
    pub opaque: Vec<Range<usize>>,
}

impl Doc {
    /// Whether section `s` (`0`: before the first heading, `h + 1`: heading `h`'s) lies in a
    /// stage whose heading, or an enclosing one, writes its own window
    /// ([`crate::plan::schedule::find`]: `### Phase 1: Freeze (T+0 to T+15min)`).
    #[must_use]
    pub fn in_timed_section(&self, s: usize) -> bool {
        s.checked_sub(1).is_some_and(|h| {
            std::iter::successors(Some(h), |&x| self.headings[x].parent)
                .any(|x| crate::plan::schedule::find(&self.headings[x].text).is_some())
        })
    }

    /// Every piece of visible prose (headings, paragraphs, items, table cells) in document
    /// order, for finding the zones a plan mentions. Code blocks are left out.
    pub fn prose(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .enumerate()
            .flat_map(move |(s, entries)| {
                let heading = s.checked_sub(1).map(|h| self.headings[h].text.as_str());
                heading.into_iter().chain(entries.iter().flat_map(move |e| {
                    let texts: Box<dyn Iterator<Item = &str>> = match e {
                        Entry::Para(p, _) => Box::new(std::iter::once(p.as_str())),
                        Entry::Item(i) => Box::new(std::iter::once(self.items[*i].text.as_str())),
                        Entry::Table(t) => {
                            Box::new(self.tables[*t].rows.iter().flatten().map(String::as_str))
                        }
                        Entry::Code(..) => Box::new(std::iter::empty()),
                    };
                    texts
                }))
            })
    }
}

/// What an open tag is, as far as the scanner cares.
enum Frame {
    List { ordered: bool, lead: Option<String> },
    Item(usize),
    Quote,
    Other,
}

/// Inline text being collected, and where it goes when its block ends.
enum Sink {
    Heading(u8, usize),
    Para(usize),
    Cell,
    Code(usize, bool),
    Meta,
}

/// Adds a heading at `level` below the nearest earlier heading of a lower level, and its
/// (empty) section; returns its index.
fn push_heading(
    doc: &mut Doc,
    level_stack: &mut Vec<(u8, usize)>,
    level: u8,
    text: String,
    line: usize,
) -> usize {
    while level_stack.last().is_some_and(|&(l, _)| l >= level) {
        level_stack.pop();
    }
    let idx = doc.headings.len();
    doc.headings.push(Heading {
        level,
        text,
        line,
        parent: level_stack.last().map(|&(_, h)| h),
        promoted: false,
    });
    level_stack.push((level, idx));
    doc.entries.push(Vec::new());
    idx
}

/// A paragraph that opens with a step's label, as plans written without headings mark their
/// stages: `Step 1 - Proposal of release: When a developer feels …`, `Phase 2 (T-1 day):`,
/// `Stage III: canary`, `Step 7 (X+50 days) - Final release published.` Returns the label
/// (up to its colon; the whole paragraph when it is one short line without one) and the rest
/// of the paragraph. A sentence that only mentions a step (`Step 3 is optional, but …`) has
/// no separator right after the label and is not one.
fn step_label(text: &str) -> Option<(String, String)> {
    let mut words = text.split_whitespace();
    let kind = words.next()?;
    if !["Step", "Phase", "Stage", "STEP", "PHASE", "STAGE"].contains(&kind) {
        return None;
    }
    let number = words.next()?.trim_end_matches([':', '.', ')']);
    let roman = !number.is_empty() && number.chars().all(|c| "IVX".contains(c));
    if !(number.chars().all(|c| c.is_ascii_digit()) && !number.is_empty() || roman) {
        return None;
    }
    let after = text[kind.len()..].trim_start()[number.len()..].trim_start();
    let separated = after.is_empty()
        || after.starts_with([':', '-', '–', '—', '(', '.', ')'])
        || after.starts_with('[');
    if !separated {
        return None;
    }
    match text.find(':').filter(|&k| k <= 100) {
        Some(k) => Some((
            text[..k].trim().to_string(),
            text[k + 1..].trim().to_string(),
        )),
        None if text.chars().count() <= 80 => {
            Some((text.trim_end_matches('.').trim().to_string(), String::new()))
        }
        None => None,
    }
}

/// Scans `src` (see the module docs).
#[must_use]
pub fn scan(src: &str) -> Doc {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(src.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| line_starts.partition_point(|&s| s <= offset);

    let opts = Options::ENABLE_TASKLISTS
        | Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS
        // Without footnotes, `[^note]: text` would be a link definition and its text would vanish.
        | Options::ENABLE_FOOTNOTES;

    let mut doc = Doc {
        entries: vec![Vec::new()],
        ..Doc::default()
    };
    let mut frames: Vec<Frame> = Vec::new();
    let mut sink: Option<(Sink, String)> = None;
    let mut item_text: Vec<String> = Vec::new();
    let mut level_stack: Vec<(u8, usize)> = Vec::new();
    let mut current: Option<usize> = None;
    // The level of the last heading written as one (`## General Procedure`): steps written as
    // paragraphs under it sit one level below.
    let mut real_level: u8 = 1;
    let mut html: Option<String> = None;
    let mut html_line = 0;

    // Both rewrites borrow when they change nothing, so a plain Markdown plan is not copied.
    let rst = super::rst::as_markdown(src);
    let markdown = super::label_lines::as_items(&rst);
    for (event, range) in Parser::new_ext(&markdown, opts).into_offset_iter() {
        let section = current.map_or(0, |h| h + 1);
        match event {
            Event::Start(tag) => match tag {
                Tag::Heading { level, .. } => {
                    sink = Some((
                        Sink::Heading(level as u8, line_of(range.start)),
                        String::new(),
                    ));
                }
                Tag::Paragraph => match innermost_item(&frames) {
                    // A loose item's paragraphs are the item's own text.
                    Some(i) => item_text[i].push(' '),
                    None => sink = Some((Sink::Para(line_of(range.start)), String::new())),
                },
                Tag::TableCell => sink = Some((Sink::Cell, String::new())),
                Tag::CodeBlock(kind) => {
                    doc.opaque.push(range.clone());
                    let shell = match kind {
                        pulldown_cmark::CodeBlockKind::Fenced(info) => info
                            .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
                            .next()
                            .is_some_and(|w| {
                                SHELL_FENCES.contains(&w.to_ascii_lowercase().as_str())
                            }),
                        pulldown_cmark::CodeBlockKind::Indented => false,
                    };
                    sink = Some((Sink::Code(line_of(range.start), shell), String::new()));
                }
                Tag::MetadataBlock(_) => {
                    doc.opaque.push(range.clone());
                    sink = Some((Sink::Meta, String::new()));
                }
                Tag::HtmlBlock => {
                    doc.opaque.push(range.clone());
                    html = Some(String::new());
                    html_line = line_of(range.start);
                }
                Tag::Table(_) => {
                    doc.entries[section].push(Entry::Table(doc.tables.len()));
                    doc.tables.push(Table {
                        rows: Vec::new(),
                        lines: Vec::new(),
                    });
                    frames.push(Frame::Other);
                }
                Tag::TableHead | Tag::TableRow => {
                    if let Some(t) = doc.tables.last_mut() {
                        t.rows.push(Vec::new());
                        t.lines.push(line_of(range.start));
                    }
                }
                Tag::List(first) => {
                    let lead = if innermost_item(&frames).is_none() {
                        match doc.entries[section].last() {
                            Some(Entry::Para(p, _)) => Some(p.clone()),
                            _ => None,
                        }
                    } else {
                        None
                    };
                    frames.push(Frame::List {
                        ordered: first.is_some(),
                        lead,
                    });
                }
                Tag::Item => {
                    let idx = doc.items.len();
                    let (ordered, lead) = match frames.last() {
                        Some(Frame::List { ordered, lead }) => (*ordered, lead.clone()),
                        _ => (false, None),
                    };
                    let parent = frames.iter().rev().find_map(|f| match f {
                        Frame::Item(i) => Some(*i),
                        _ => None,
                    });
                    let quoted = frames.iter().any(|f| matches!(f, Frame::Quote));
                    doc.items.push(Item {
                        line: line_of(range.start),
                        heading: current,
                        checked: None,
                        ordered,
                        parent,
                        quoted,
                        lead: if parent.is_none() { lead } else { None },
                        text: String::new(),
                        anchor: None,
                    });
                    item_text.push(String::new());
                    doc.entries[section].push(Entry::Item(idx));
                    frames.push(Frame::Item(idx));
                }
                Tag::BlockQuote(_) | Tag::FootnoteDefinition(_) => frames.push(Frame::Quote),
                Tag::Link { dest_url, .. } => {
                    if let Some(i) = innermost_item(&frames)
                        && item_text[i].trim().is_empty()
                        && let Some(anchor) = dest_url.strip_prefix('#')
                    {
                        doc.items[i].anchor = Some(anchor.to_string());
                    }
                }
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::HtmlBlock => {
                    // A table written in HTML (`<tr><td>-00:30</td><td>1.1</td>…`) is read as
                    // a table; anything else in the block stays hidden, as HTML is.
                    if let Some(rows) = html.take().as_deref().and_then(html_table_rows) {
                        doc.entries[section].push(Entry::Table(doc.tables.len()));
                        let lines = vec![html_line; rows.len()];
                        doc.tables.push(Table { rows, lines });
                    }
                }
                TagEnd::Heading(_) => {
                    if let Some((Sink::Heading(level, line), text)) = sink.take() {
                        real_level = level;
                        current = Some(push_heading(
                            &mut doc,
                            &mut level_stack,
                            level,
                            clean::text(&text),
                            line,
                        ));
                    }
                }
                TagEnd::Paragraph => {
                    if let Some((Sink::Para(line), text)) = sink.take() {
                        let text = clean::text(&text);
                        let quoted = frames.iter().any(|f| matches!(f, Frame::Quote));
                        if let Some((label, rest)) = step_label(&text).filter(|_| !quoted) {
                            // `Step 2 (day X) - Soft freeze of release branch:` written as a
                            // paragraph is a heading one level below the section it is in.
                            let level = (real_level + 1).min(6);
                            let h = push_heading(&mut doc, &mut level_stack, level, label, line);
                            current = Some(h);
                            if !rest.is_empty() {
                                doc.entries[h + 1].push(Entry::Para(rest, line));
                            }
                        } else if !text.is_empty() {
                            doc.entries[section].push(Entry::Para(text, line));
                        }
                    }
                }
                TagEnd::TableCell => {
                    if let Some((Sink::Cell, text)) = sink.take()
                        && let Some(row) = doc.tables.last_mut().and_then(|t| t.rows.last_mut())
                    {
                        row.push(clean::text(&text));
                    }
                }
                TagEnd::CodeBlock => {
                    if let Some((Sink::Code(line, shell), text)) = sink.take() {
                        let text = clean::block(&text);
                        if !text.trim().is_empty() {
                            let prompt = text
                                .lines()
                                .find(|l| !l.trim().is_empty())
                                .is_some_and(|l| l.trim_start().starts_with("$ "));
                            let fence = Fence {
                                line,
                                shell: shell || prompt,
                            };
                            doc.entries[section].push(Entry::Code(text, fence));
                        }
                    }
                }
                TagEnd::MetadataBlock(_) => {
                    if let Some((Sink::Meta, text)) = sink.take() {
                        doc.front_matter = Some(text);
                    }
                }
                TagEnd::Table
                | TagEnd::List(_)
                | TagEnd::Item
                | TagEnd::BlockQuote(_)
                | TagEnd::FootnoteDefinition => {
                    frames.pop();
                }
                _ => {}
            },
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                push_text(&mut sink, &frames, &mut item_text, &t);
            }
            Event::InlineHtml(h) => {
                if let Some(visible) = inline_html_text(&h) {
                    push_text(&mut sink, &frames, &mut item_text, visible);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                push_text(&mut sink, &frames, &mut item_text, " ");
            }
            Event::TaskListMarker(done) => {
                if let Some(i) = innermost_item(&frames) {
                    doc.items[i].checked = Some(done);
                }
            }
            // HTML blocks (comments included) are not shown to readers of the plan.
            Event::Html(h) => {
                if let Some(buf) = html.as_mut() {
                    buf.push_str(&h);
                }
            }
            Event::FootnoteReference(_) | Event::Rule => {}
        }
    }
    for (item, text) in doc.items.iter_mut().zip(item_text) {
        item.text = clean::text(&text);
        // `- [] Have a go/no go meeting`: a task-list box typed without its space, which
        // CommonMark reads as text; its writer meant an open box.
        if item.checked.is_none()
            && let Some(rest) = item.text.strip_prefix("[]")
        {
            item.checked = Some(false);
            item.text = rest.trim_start().to_string();
        }
    }
    doc
}

/// The item whose own text inline content belongs to: the innermost open item, unless a list
/// or quote was opened inside it since.
fn innermost_item(frames: &[Frame]) -> Option<usize> {
    match frames.iter().rev().find(|f| !matches!(f, Frame::Other))? {
        Frame::Item(i) => Some(*i),
        _ => None,
    }
}

fn push_text(sink: &mut Option<(Sink, String)>, frames: &[Frame], items: &mut [String], t: &str) {
    if let Some((_, buf)) = sink {
        buf.push_str(t);
    } else if let Some(i) = innermost_item(frames) {
        items[i].push_str(t);
    }
}

/// The rows of the tables in an HTML block: each `<tr>`'s `<td>` / `<th>` cells, their tags
/// removed and their text cleaned. Comments are skipped. `None` when the block has no row.
/// Plans write simple tables (no nesting, no spans); a cell ends at the next cell or row.
fn html_table_rows(block: &str) -> Option<Vec<Vec<String>>> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut cell: Option<String> = None;
    let mut rest = block;
    while let Some(lt) = rest.find('<') {
        if let Some(c) = cell.as_mut() {
            c.push_str(&rest[..lt]);
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |e| &after[e + 3..]);
            continue;
        }
        let end = rest.find('>').map_or(rest.len(), |e| e + 1);
        let tag = rest[1..end.saturating_sub(1).max(1)]
            .trim()
            .to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        let closing = tag.starts_with('/');
        let close_cell = |rows: &mut Vec<Vec<String>>, cell: &mut Option<String>| {
            if let (Some(text), Some(row)) = (cell.take(), rows.last_mut()) {
                row.push(clean::text(&text));
            }
        };
        match (name.as_str(), closing) {
            ("tr", false) => {
                close_cell(&mut rows, &mut cell);
                rows.push(Vec::new());
            }
            ("td" | "th", false) => {
                close_cell(&mut rows, &mut cell);
                if rows.is_empty() {
                    rows.push(Vec::new());
                }
                cell = Some(String::new());
            }
            ("td" | "th" | "tr" | "table", true) => close_cell(&mut rows, &mut cell),
            ("br", _) => {
                if let Some(c) = cell.as_mut() {
                    c.push(' ');
                }
            }
            _ => {}
        }
        rest = &rest[end..];
    }
    rows.retain(|r| !r.is_empty());
    (!rows.is_empty()).then_some(rows)
}

/// HTML elements that are markup, not text: dropped from inline text. Anything else in angle
/// brackets (`<NODE POOL NAME>`, `<original-server-name>`) is a placeholder a reader sees, so
/// it is kept.
const MARKUP_TAGS: &[&str] = &[
    "a", "abbr", "b", "br", "center", "code", "del", "details", "div", "em", "font", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "iframe", "img", "ins", "kbd", "li", "ol", "p", "picture",
    "pre", "s", "small", "source", "span", "strong", "sub", "summary", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "u", "ul", "video",
];

/// What a reader sees of an inline HTML fragment: nothing for comments and markup tags, a
/// space for `<br>`, the fragment itself otherwise.
fn inline_html_text(html: &str) -> Option<&str> {
    if html.starts_with("<!--") || html.starts_with("<?") || html.starts_with("<!") {
        return None;
    }
    let name: String = html
        .trim_start_matches('<')
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase();
    if name == "br" {
        Some(" ")
    } else if MARKUP_TAGS.contains(&name.as_str()) {
        None
    } else {
        Some(html)
    }
}

/// A document's headings and sections being rebuilt with stages inserted among them (by
/// [`super::item_stages`] and [`super::para_stages`]): old headings are copied in order with
/// their parents re-indexed, new stage headings go one level below their section.
pub struct Restaged {
    /// The headings so far.
    pub headings: Vec<Heading>,
    /// The sections so far (`0`: before the first heading), as [`Doc::entries`].
    pub entries: Vec<Vec<Entry>>,
    /// Old heading index → new.
    map: Vec<usize>,
}

impl Restaged {
    /// An empty rebuild of a document with `old` headings.
    #[must_use]
    pub fn new(old: usize) -> Self {
        Restaged {
            headings: Vec::with_capacity(old),
            entries: vec![Vec::new()],
            map: vec![0; old],
        }
    }

    /// Copies old section `s`'s heading (none for `s == 0`) and opens its section; returns its
    /// new index.
    pub fn copy_heading(&mut self, old: &[Heading], s: usize) -> Option<usize> {
        let h = s.checked_sub(1)?;
        let parent = old[h].parent.map(|p| self.map[p]);
        self.headings.push(Heading {
            parent,
            ..old[h].clone()
        });
        self.entries.push(Vec::new());
        self.map[h] = self.headings.len() - 1;
        Some(self.map[h])
    }

    /// Adds a stage heading below section `base` and opens its section; returns its index.
    pub fn push_stage(
        &mut self,
        base: Option<usize>,
        text: String,
        line: usize,
        promoted: bool,
    ) -> usize {
        let level = base.map_or(1, |h| self.headings[h].level);
        self.headings.push(Heading {
            level: (level + 1).min(6),
            text,
            line,
            parent: base,
            promoted,
        });
        self.entries.push(Vec::new());
        self.headings.len() - 1
    }

    /// Adds `e` to section `current` (`None`: before the first heading).
    pub fn push_entry(&mut self, current: Option<usize>, e: Entry) {
        self.entries[current.map_or(0, |h| h + 1)].push(e);
    }
}

/// The top-level items of a section's `entries` outside quotes, in order.
#[must_use]
pub fn top_items(doc: &Doc, entries: &[Entry]) -> Vec<usize> {
    entries
        .iter()
        .filter_map(|e| match *e {
            Entry::Item(i) if doc.items[i].parent.is_none() && !doc.items[i].quoted => Some(i),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_items_and_lines() {
        let src = "# Title\n\nIntro *text*.\n\n## A\n- [ ] one **bold**\n  - child\n- [x] two\n\n```bash\n# not a heading\n- [ ] not a task\n```\n<!--\n- [ ] hidden\n-->\n1. step\n";
        let doc = scan(src);
        let titles: Vec<_> = doc
            .headings
            .iter()
            .map(|h| (h.text.as_str(), h.level, h.line))
            .collect();
        assert_eq!(titles, [("Title", 1, 1), ("A", 2, 5)]);
        assert_eq!(doc.headings[1].parent, Some(0));
        let items: Vec<_> = doc
            .items
            .iter()
            .map(|i| (i.text.as_str(), i.line, i.checked, i.parent, i.ordered))
            .collect();
        assert_eq!(
            items,
            [
                ("one bold", 6, Some(false), None, false),
                ("child", 7, None, Some(0), false),
                ("two", 8, Some(true), None, false),
                ("step", 17, None, None, true),
            ]
        );
        assert!(matches!(&doc.entries[1][..], [Entry::Para(p, 3)] if p == "Intro text."));
        assert!(
            doc.entries[2]
                .iter()
                .any(|e| matches!(e, Entry::Code(c, _) if c.contains("# not a heading")))
        );
        assert_eq!(doc.opaque.len(), 2);
    }

    #[test]
    fn front_matter_tables_and_inline_html() {
        let src = "---\ntitle: 'X'\n---\n## Sign-off <!-- c -->\n\n| Role | Name |\n|---|---|\n| **CTO** | __ |\n\nUpgrade <NODE POOL> now<br>ok\n";
        let doc = scan(src);
        assert_eq!(doc.front_matter.as_deref(), Some("title: 'X'\n"));
        assert_eq!(doc.headings[0].text, "Sign-off");
        assert_eq!(
            doc.tables[0].rows,
            [vec!["Role", "Name"], vec!["CTO", "__"]]
        );
        assert!(
            matches!(&doc.entries[1][1], Entry::Para(p, _) if p == "Upgrade <NODE POOL> now ok")
        );
    }

    #[test]
    fn html_tables_are_tables() {
        let doc = scan(
            "# Plan\n\n<table>\n  <tr><th>Offset</th><th>Activity</th></tr>\n  <tr><td>-00:30</td><td><b>1.1</b></td></tr>\n  <!-- <tr><td>x</td></tr> -->\n  <tr><td>00:03</td><td><Marc/td><td>5 min</td></tr>\n</table>\n\n<div>no table</div>\n",
        );
        assert_eq!(
            doc.tables[0].rows,
            [
                vec!["Offset", "Activity"],
                vec!["-00:30", "1.1"],
                vec!["00:03", "", "5 min"]
            ]
        );
        assert_eq!(doc.tables.len(), 1);
    }

    #[test]
    fn lists_remember_their_lead_in() {
        let doc = scan("## When\n\nRollback if:\n- [ ] a\n- b\n");
        assert_eq!(doc.items[0].lead.as_deref(), Some("Rollback if:"));
        assert_eq!(doc.items[1].lead.as_deref(), Some("Rollback if:"));
    }
}
