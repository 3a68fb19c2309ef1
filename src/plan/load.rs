//! Reading a plan file from disk: picks the loader by extension, follows a TOML file's
//! `runbook`, and hashes the bytes so the journal can record which plan a room ran.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::{Diagnostic, Loaded, PlanError, markdown, toml, wiring};

/// A plan read from disk.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    /// The plan and its warnings.
    pub loaded: Loaded,
    /// SHA-256 (hex) of the plan file's bytes (and, for a wiring file, its runbook's).
    pub hash: String,
    /// The files read: the plan, and the runbook a wiring file names (for watching edits);
    /// none for a plan read from bytes ([`load_bytes`]).
    pub files: Vec<std::path::PathBuf>,
    /// The plan file's bytes (for a wiring file, its own), so that a database room can keep
    /// it.
    pub body: Option<Vec<u8>>,
    /// The runbook a wiring file names, when it has one: its file name and bytes. The plan's
    /// hash is of `body` followed by these bytes.
    pub runbook: Option<Runbook>,
}

/// The runbook a wiring file names, as it travels with a database room beside the wiring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runbook {
    /// Its file name (`launch.md`), without a directory.
    pub name: String,
    /// Its bytes, exactly.
    pub bytes: Vec<u8>,
}

/// Reads `path` (`.md`/`.markdown` or `.toml`).
///
/// Errors (each names the file and, where there is one, the line): the file cannot be read,
/// it is binary, it is empty, it does not parse.
pub fn load(path: &Path) -> Result<LoadedFile, PlanError> {
    let mut hasher = Sha256::new();
    let mut read = Vec::new();
    let loaded = load_into(path, &mut hasher, 0, &mut read)?;
    let files = read.iter().map(|(p, _)| p.clone()).collect();
    let mut read = read.into_iter();
    // The bytes hashed, as they were read: the plan file's, then its runbook's.
    let body = read.next().map(|(_, b)| b);
    let runbook = read.next().map(|(p, bytes)| Runbook {
        name: p
            .file_name()
            .map_or_else(|| "runbook.md".into(), |n| n.to_string_lossy().into_owned()),
        bytes,
    });
    Ok(LoadedFile {
        loaded,
        hash: hex(&hasher.finalize()),
        files,
        body,
        runbook,
    })
}

/// Reads a plan from `bytes` as if they were the file `name` (a plan that travelled with a
/// database room): the same loaders, warnings and hash as [`load`] of that file, and no files
/// to watch. Paths in the plan (CA files, a wiring file's command directory) resolve against
/// `name`'s directory.
///
/// Errors: as [`load`]'s, and a TOML plan that names a `runbook` is refused (the runbook is
/// another file, which did not travel with it).
pub fn load_bytes(name: &Path, bytes: &[u8]) -> Result<LoadedFile, PlanError> {
    if bytes.len() as u64 > MAX_PLAN_BYTES {
        return Err(PlanError::at(
            name,
            0,
            format!(
                "the plan is larger than {} MiB: warroom reads plans up to that size",
                MAX_PLAN_BYTES >> 20
            ),
        ));
    }
    load_bundle(name, bytes, None)
}

/// [`load_bytes`] of a wiring file that travelled with its runbook (`runbook`: the runbook's
/// file name and bytes, read in place of the file the wiring names): the plan, warnings and
/// hash that [`load`] gives for the two files. `None`: the bytes travelled alone.
///
/// Errors: as [`load_bytes`]'s; a runbook for bytes that are not a wiring file naming one, or
/// whose name is not a Markdown file's, is refused.
pub fn load_bundle(
    name: &Path,
    bytes: &[u8],
    runbook: Option<&Runbook>,
) -> Result<LoadedFile, PlanError> {
    let too_big = |len: usize| len as u64 > MAX_PLAN_BYTES;
    if too_big(bytes.len()) || runbook.is_some_and(|r| too_big(r.bytes.len())) {
        return Err(PlanError::at(
            name,
            0,
            format!(
                "the plan is larger than {} MiB: warroom reads plans up to that size",
                MAX_PLAN_BYTES >> 20
            ),
        ));
    }
    let mut hasher = Sha256::new();
    let loaded = parse_into(name, bytes, &mut hasher, ALONE, &mut Vec::new(), runbook)?;
    Ok(LoadedFile {
        loaded,
        hash: hex(&hasher.finalize()),
        files: Vec::new(),
        body: Some(bytes.to_vec()),
        runbook: runbook.cloned(),
    })
}

/// Reads and parses the file at `path`; `read` gets each file read (this one first, then the
/// runbook it names) with its bytes.
fn load_into(
    path: &Path,
    hasher: &mut Sha256,
    depth: u8,
    read: &mut Vec<(std::path::PathBuf, Vec<u8>)>,
) -> Result<Loaded, PlanError> {
    let bytes = read_plan(path)?;
    let at = read.len();
    read.push((path.to_path_buf(), Vec::new()));
    let loaded = parse_into(path, &bytes, hasher, depth, read, None)?;
    read[at].1 = bytes;
    Ok(loaded)
}

/// [`parse_into`]'s depth for bytes that travelled without their directory.
const ALONE: u8 = u8::MAX;

/// Parses one plan file's bytes. `depth` 0: a plan opened by name, whose TOML may name a
/// runbook; 1: that runbook; [`ALONE`]: bytes that travelled, alone or with the `runbook`
/// their TOML names. Only depth 0, or bytes that travelled with their runbook, may name one.
fn parse_into(
    path: &Path,
    bytes: &[u8],
    hasher: &mut Sha256,
    depth: u8,
    read: &mut Vec<(std::path::PathBuf, Vec<u8>)>,
    runbook: Option<&Runbook>,
) -> Result<Loaded, PlanError> {
    hasher.update(bytes);
    if bytes.contains(&0) {
        return Err(PlanError::at(
            path,
            0,
            "this is a binary file, not a plan: give a Markdown (.md) or TOML (.toml) plan",
        ));
    }
    // Plans saved with a broken encoding still load: bad bytes become U+FFFD, and a warning
    // says where, so the author can find the bytes the room shows as �.
    let src = String::from_utf8_lossy(bytes);
    let bad_utf8 = invalid_utf8_warning(bytes, path);
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "toml" {
        let mut parsed = toml::parse(&src, path)?;
        check_times(&mut parsed.plan, path, false)?;
        let Some(named) = parsed.runbook else {
            if runbook.is_some() {
                return Err(PlanError::at(
                    path,
                    0,
                    "a runbook travelled with this plan, but it names none: open the room \
                     with your own plan file",
                ));
            }
            let mut plan = parsed.plan;
            let mut warnings: Vec<Diagnostic> = bad_utf8.into_iter().collect();
            warnings.extend(wiring::resolve(&mut plan, path)?);
            return Ok(Loaded { plan, warnings });
        };
        if let Some(r) = runbook {
            let p = Path::new(&r.name);
            let bare_name =
                p.file_name().is_some_and(|f| f == p.as_os_str()) && !r.name.starts_with('.');
            let md = p.extension().is_some_and(|e| {
                e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown")
            });
            if !bare_name || !md {
                return Err(PlanError::at(
                    path,
                    0,
                    format!(
                        "the runbook that travelled with this plan is named `{}`, which is not \
                         a Markdown file's name (NAME.md): open the room with your own plan \
                         files",
                        crate::text::sanitize(&r.name)
                    ),
                ));
            }
            let beside = path.with_file_name(&r.name);
            let inner = parse_into(&beside, &r.bytes, hasher, 1, read, None)?;
            let mut plan = toml::merge_wiring(inner.plan, parsed.plan);
            let mut warnings: Vec<Diagnostic> = bad_utf8.into_iter().collect();
            warnings.extend(inner.warnings);
            warnings.extend(wiring::resolve(&mut plan, path)?);
            return Ok(Loaded { plan, warnings });
        }
        if depth == ALONE {
            return Err(PlanError::at(
                path,
                0,
                "this wiring file names a runbook, which did not travel with it: open the \
                 room with both files on this host",
            ));
        }
        if depth > 0 {
            return Err(PlanError::at(
                path,
                0,
                "a runbook named by `runbook =` must be a Markdown plan, not another TOML file",
            ));
        }
        let inner = load_into(&named, hasher, depth + 1, read)?;
        let mut plan = toml::merge_wiring(inner.plan, parsed.plan);
        let mut warnings: Vec<Diagnostic> = bad_utf8.into_iter().collect();
        warnings.extend(inner.warnings);
        warnings.extend(wiring::resolve(&mut plan, path)?);
        Ok(Loaded { plan, warnings })
    } else {
        let mut loaded = markdown::parse(&src, path)?;
        let dropped = check_times(&mut loaded.plan, path, true)?;
        loaded.warnings.extend(dropped);
        if let Some(w) = bad_utf8 {
            loaded.warnings.insert(0, w);
        }
        Ok(loaded)
    }
}

/// The largest plan file read: 8 MiB, hundreds of times the longest real runbook, and small
/// enough that reading and parsing it stays well under a second.
pub const MAX_PLAN_BYTES: u64 = 8 << 20;

/// The bytes of the plan file at `path`: a regular file (a FIFO, a device or a directory
/// would block, never end or make no sense) of at most [`MAX_PLAN_BYTES`], read to no more
/// than that even if it grows meanwhile.
fn read_plan(path: &Path) -> Result<Vec<u8>, PlanError> {
    use std::io::Read as _;
    use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};
    let cannot = |e: std::io::Error| {
        PlanError::at(
            path,
            0,
            format!("cannot read the plan: {e}; check the path (a .md or .toml file)"),
        )
    };
    // Non-blocking, so that opening a FIFO returns at once; it is refused below.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
        .open(path)
        .map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    let ft = meta.file_type();
    if !ft.is_file() {
        let what = if ft.is_dir() {
            "a directory"
        } else if ft.is_fifo() {
            "a FIFO (named pipe)"
        } else if ft.is_char_device() || ft.is_block_device() {
            "a device"
        } else {
            "not a regular file"
        };
        return Err(PlanError::at(
            path,
            0,
            format!(
                "this is {what}, not a plan file: give a Markdown (.md) or TOML (.toml) file \
                 (to plan from a pipe, save it to a file first)"
            ),
        ));
    }
    let too_big = || {
        PlanError::at(
            path,
            0,
            format!(
                "the plan is larger than {} MiB: warroom reads plans up to that size; split \
                 the runbook, or move long logs and appendices out of it",
                MAX_PLAN_BYTES >> 20
            ),
        )
    };
    if meta.len() > MAX_PLAN_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_PLAN_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_PLAN_BYTES {
        return Err(too_big());
    }
    Ok(bytes)
}

/// The longest span of time a plan may name (a duration, an offset from T-0, a window):
/// 100 years. Far beyond any deployment, and far inside chrono's range, so that no sum of a
/// plan's values with an instant can overflow where the room adds them.
pub const MAX_SPAN_S: i64 = 36_525 * 86_400;

/// The earliest and latest year an instant in a plan may have.
const YEARS: std::ops::RangeInclusive<i32> = 1970..=9999;

/// Finds the times in a plan that cannot meet a clock.
struct TimeCheck<'a> {
    path: &'a Path,
    /// A Markdown plan is read as prose: an impossible time is dropped with a warning
    /// instead of refusing the plan.
    lenient: bool,
    warnings: Vec<Diagnostic>,
}

impl TimeCheck<'_> {
    /// `Ok(true)`: the value is fine; `Ok(false)`: drop it (lenient); `Err`: refuse the plan.
    fn judge(&mut self, line: usize, problem: Option<String>) -> Result<bool, PlanError> {
        let Some(message) = problem else {
            return Ok(true);
        };
        if !self.lenient {
            return Err(PlanError::at(self.path, line, message));
        }
        self.warnings.push(Diagnostic {
            file: self.path.to_path_buf(),
            line,
            message: format!("{message}; the time is ignored"),
        });
        Ok(false)
    }

    fn span(&mut self, line: usize, what: &str, secs: i128) -> Result<bool, PlanError> {
        let problem = (secs.abs() > i128::from(MAX_SPAN_S)).then(|| {
            format!(
                "{what} is {secs} seconds, more than 100 years: write a length a deployment \
                 can have, such as 1800 (seconds) or \"30m\""
            )
        });
        self.judge(line, problem)
    }

    fn std_span(
        &mut self,
        line: usize,
        what: &str,
        d: std::time::Duration,
    ) -> Result<bool, PlanError> {
        self.span(line, what, i128::from(d.as_secs()))
    }

    fn instant(
        &mut self,
        line: usize,
        what: &str,
        t: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, PlanError> {
        use chrono::Datelike as _;
        let problem = (!YEARS.contains(&t.year())).then(|| {
            format!(
                "{what} is in the year {}: write an RFC 3339 instant between the years {} and \
                 {}, such as \"2026-12-01T08:00:00Z\"",
                t.year(),
                YEARS.start(),
                YEARS.end()
            )
        });
        self.judge(line, problem)
    }
}

/// Refuses (TOML) or drops with a warning (Markdown, `lenient`) every time in `plan` that
/// cannot meet a clock: a duration or offset longer than [`MAX_SPAN_S`] or negative where a
/// length is meant, an instant outside [`YEARS`]. Each names the file, the line of the phase,
/// task, gate, trigger or check, and what to write.
fn check_times(
    plan: &mut super::Plan,
    path: &Path,
    lenient: bool,
) -> Result<Vec<Diagnostic>, PlanError> {
    use super::Schedule;
    let mut c = TimeCheck {
        path,
        lenient,
        warnings: Vec::new(),
    };
    if let Some(t0) = plan.t0
        && !c.instant(0, "t0", t0)?
    {
        plan.t0 = None;
    }
    if let Some(w) = plan.rollback_window
        && !c.std_span(0, "rollback_window", w)?
    {
        plan.rollback_window = None;
    }
    for p in &mut plan.phases {
        let what = format!("the schedule of phase {}", p.id);
        let ok = match p.schedule {
            Schedule::None => true,
            Schedule::At { start, end } => {
                c.instant(p.line, &format!("{what}: start"), start)?
                    && c.instant(p.line, &format!("{what}: end"), end)?
            }
            Schedule::Offset { start_s, end_s } => {
                c.span(p.line, &format!("{what}: start_s"), i128::from(start_s))?
                    && c.span(p.line, &format!("{what}: end_s"), i128::from(end_s))?
            }
            Schedule::WorkingDays {
                start_days,
                end_days,
            } => {
                // Seven calendar days per five working days bounds the instants they reach.
                let span = |d: i64| i128::from(d) * 7 / 5 * 86_400;
                c.span(p.line, &format!("{what}: start_days"), span(start_days))?
                    && c.span(p.line, &format!("{what}: end_days"), span(end_days))?
            }
            Schedule::Length { length_s } => {
                let negative = (length_s < 0).then(|| {
                    format!(
                        "{what}: length_s is negative ({length_s}): write a length of 0 or more"
                    )
                });
                c.span(p.line, &format!("{what}: length_s"), i128::from(length_s))?
                    && c.judge(p.line, negative)?
            }
        };
        if !ok {
            p.schedule = Schedule::None;
        }
        for t in &mut p.tasks {
            if let Some(d) = t.timeout
                && !c.std_span(t.line, &format!("the timeout of task {}", t.id), d)?
            {
                t.timeout = None;
            }
        }
    }
    for g in &mut plan.gates {
        if let Some(d) = g.hold_before
            && !c.std_span(g.line, &format!("hold_before of gate {}", g.id), d)?
        {
            g.hold_before = None;
        }
    }
    for t in &mut plan.triggers {
        if let Some(d) = t.countdown
            && !c.std_span(t.line, &format!("the countdown of trigger {}", t.id), d)?
        {
            t.countdown = None;
        }
        if let Some(th) = &mut t.threshold
            && let Some(f) = th.for_s
            && !c.span(t.line, &format!("`for` of trigger {}", t.id), i128::from(f))?
        {
            th.for_s = None;
        }
    }
    for k in plan.checks.iter_mut().chain(&mut plan.metrics) {
        let max = std::time::Duration::from_secs(MAX_SPAN_S as u64);
        if !c.std_span(k.line, &format!("the interval of {}", k.id), k.interval)? {
            k.interval = max;
        }
        if !c.std_span(k.line, &format!("the timeout of {}", k.id), k.timeout)? {
            k.timeout = max;
        }
    }
    if let Some(n) = &mut plan.notify
        && !c.std_span(0, "the notify digest interval", n.digest)?
    {
        n.digest = super::notify::DEFAULT_DIGEST;
    }
    Ok(c.warnings)
}

/// A warning at the first line of `bytes` that is not valid UTF-8, counting the lines that
/// are not; None when the file is valid UTF-8.
fn invalid_utf8_warning(bytes: &[u8], path: &Path) -> Option<Diagnostic> {
    let mut bad = bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, line)| std::str::from_utf8(line).is_err())
        .map(|(i, _)| i + 1);
    let first = bad.next()?;
    let more = match bad.count() {
        0 => String::new(),
        1 => " (and 1 more line)".to_string(),
        n => format!(" (and {n} more lines)"),
    };
    Some(Diagnostic {
        file: path.to_path_buf(),
        line: first,
        message: format!(
            "not valid UTF-8{more}: the bad bytes are shown as �; save the plan as UTF-8"
        ),
    })
}

/// Lower-case hex of a digest (sha2 0.11 digests do not format with `{:x}`).
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
