//! Command line (DESIGN.md §4): clap subcommands, each a thin call into the session.
//!
//! Exit codes: 0 ok, 1 user error (bad plan, refused action), 2 usage (clap), other internal.

/// `println!` to standard output where a reader that went away (`warroom status … | head`)
/// ends the output quietly instead of panicking.
macro_rules! sayln {
    ($($t:tt)*) => {
        $crate::cli::say(&format!("{}\n", format_args!($($t)*)))
    };
}

mod completions;
mod journal;
mod status;

pub use completions::Shell;
pub use journal::JournalCmd;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};
use color_eyre::eyre::{Result, WrapErr};

use crate::app::App;
use crate::journal::event::Vote;
use crate::plan;
use crate::session::{OpenOptions, Session, SessionError};
use crate::state::Command;

/// A full-screen terminal war room for software deployments.
#[derive(Debug, Parser)]
#[command(name = "warroom", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Cmd,
}

/// The plan and journal a verb works on.
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// The plan: a Markdown runbook (.md) or a TOML plan (.toml); or a PostgreSQL room's URL
    /// (postgres://user@host:port/db?room=NAME), whose stored plan is then used and which is
    /// then the journal.
    pub plan: PathBuf,
    /// The journal: a file (default: `<plan-stem>.journal.jsonl` beside the plan) or a
    /// PostgreSQL room, postgres://user@host:port/db?room=NAME.
    #[arg(long, env = "WARROOM_JOURNAL")]
    pub journal: Option<PathBuf>,
    /// T-0 for relative schedules: RFC 3339, `YYYY-MM-DD HH:MM` (UTC), `YYYY-MM-DD`, or `now`
    /// (default: the plan's own date, else the room's first event).
    #[arg(long, value_parser = parse_start)]
    pub start: Option<DateTime<Utc>>,
    /// The role you act in (one of the plan's roles).
    #[arg(long)]
    pub role: Option<String>,
    /// Write even though the journal's hash chain is broken — only after a person looked at
    /// the line `warroom verify` names: new events then chain onto what is there.
    #[arg(long)]
    pub accept_broken_chain: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Open the room on a bundled plan with simulated services on 127.0.0.1.
    Demo {
        /// Scenario of the simulated services: healthy, bad-deploy (errors and latency climb
        /// once the room enters its second phase, until the rollback triggers fire), flapping
        /// (one service DOWN 6 s in every 15 s), slow (two services answer in 400-900 ms).
        #[arg(long, default_value = "healthy")]
        scenario: String,
        /// The journal: a file path (default: a fresh temporary directory) or a PostgreSQL
        /// room, postgres://user@host:port/db?room=NAME (its schema made once with `warroom
        /// journal init URL`). Unlike the other commands', never taken from the environment:
        /// the demo does not write into a real room by accident.
        #[arg(long)]
        journal: Option<PathBuf>,
        /// Show the state, the countdown and the clocks in large digits at any terminal size
        /// (they show by themselves from 150×40).
        #[arg(long)]
        wall: bool,
    },
    /// Open the war room on a plan.
    Open {
        #[command(flatten)]
        target: Target,
        /// Watch only: never write to the journal.
        #[arg(long)]
        follow: bool,
        /// Show the state, the countdown and the clocks in large digits at any terminal size
        /// (they show by themselves from 150×40).
        #[arg(long)]
        wall: bool,
    },
    /// Convert a Markdown plan to a TOML plan.
    Import {
        /// The Markdown plan.
        plan: PathBuf,
        /// Where to write (default: `<plan-stem>.toml` beside it; `-` for standard output).
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
    /// Parse a plan and report what was found, with warnings; exit 1 on error.
    Validate {
        /// The plan.
        plan: PathBuf,
        /// Also say, for every phase, group of tasks, gate and trigger, the plan line it came
        /// from and the rule that made it, and why each section that yielded nothing stayed
        /// text.
        #[arg(long)]
        explain: bool,
    },
    /// Print the room state without opening the screen.
    Status {
        #[command(flatten)]
        target: Target,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Tick a task (or untick it with --undo).
    Check {
        #[command(flatten)]
        target: Target,
        /// Task id (or a unique part of it).
        task: String,
        /// Take the tick back.
        #[arg(long)]
        undo: bool,
        /// A note for the journal.
        #[arg(long)]
        note: Option<String>,
    },
    /// Record a role's go/no-go vote at a gate.
    Decide {
        #[command(flatten)]
        target: Target,
        /// Gate id (or a unique part of it).
        gate: String,
        /// go, no-go or hold.
        #[arg(value_parser = parse_vote)]
        vote: Vote,
        /// Why (required for no-go).
        #[arg(long)]
        note: Option<String>,
    },
    /// Move to the next phase (or --to PHASE).
    Advance {
        #[command(flatten)]
        target: Target,
        /// Target phase id.
        #[arg(long)]
        to: Option<String>,
        /// Pass gates that are not GO, recording this reason.
        #[arg(long = "override", value_name = "REASON")]
        override_reason: Option<String>,
    },
    /// Call a hold: the countdown stops until released.
    Hold {
        #[command(flatten)]
        target: Target,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Release the hold in force.
    Release {
        #[command(flatten)]
        target: Target,
        /// A note for the journal.
        #[arg(long)]
        note: Option<String>,
    },
    /// Start the rollback procedure.
    Rollback {
        #[command(flatten)]
        target: Target,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Add a note to the journal.
    Note {
        #[command(flatten)]
        target: Target,
        /// The note; `-` reads it from standard input.
        text: String,
    },
    /// Write the post-deployment report, from the journal alone.
    Report {
        #[command(flatten)]
        target: Target,
        /// md (Markdown), json, or html (one self-contained page with a timeline chart).
        #[arg(long, value_enum, default_value = "md")]
        format: crate::report::Format,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Check the journal's hash chain and that it is consistent with your checkpoint (the
    /// last event you saw of it).
    Verify {
        #[command(flatten)]
        target: Target,
        /// After looking at a journal that is not consistent with your checkpoint (a rewritten
        /// history), accept it as it is now: your checkpoint moves to its last event.
        #[arg(long)]
        accept_rewrite: bool,
    },
    /// A journal on PostgreSQL: create the schema, export a room to a file, import one.
    Journal {
        #[command(subcommand)]
        cmd: JournalCmd,
    },
    /// Print a shell completion script to standard output (README: "Shell completions and
    /// man page" says where to put it).
    Completions {
        /// The shell: bash, zsh or fish.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the man page (roff) to standard output.
    Man,
}

/// Runs the parsed command line and maps the outcome to an exit code.
pub fn main(cli: Cli) -> ExitCode {
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Plan errors and refusals are the user's to fix: one line, exit 1.
            if let Some(se) = e.downcast_ref::<SessionError>() {
                eprintln!("warroom: {se}");
                return ExitCode::from(match se {
                    SessionError::Journal(_) => 3,
                    _ => 1,
                });
            }
            if let Some(pe) = e.downcast_ref::<plan::PlanError>() {
                eprintln!("error: {pe}");
                return ExitCode::from(1);
            }
            if let Some(u) = e.downcast_ref::<UserError>() {
                eprintln!("warroom: {u}");
                return ExitCode::from(1);
            }
            eprintln!("warroom: internal error: {e:?}");
            ExitCode::from(3)
        }
    }
}

/// An error the user can fix (exit 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

fn run(cli: Cli) -> Result<ExitCode> {
    // Test hook, debug builds only: a panic outside the room, for the exit code and report
    // tests (`tests/panic_report.rs`). Release builds ignore the variable.
    #[cfg(debug_assertions)]
    assert!(
        std::env::var_os("WARROOM_TEST_PANIC").is_none(),
        "test hook: WARROOM_TEST_PANIC"
    );
    let now = Utc::now();
    match cli.command {
        Cmd::Demo {
            scenario,
            journal,
            wall,
        } => crate::demo::run(&scenario, journal, wall),
        Cmd::Open {
            target,
            follow,
            wall,
        } => {
            let session = open_with(&target, follow, true)?;
            crate::logging::init(&session.journal_path);
            open_room(session, wall)
        }
        Cmd::Import { plan, out } => import(&plan, out.as_deref()),
        Cmd::Validate { plan, explain } => Ok(status::validate(&plan, explain)),
        Cmd::Status { target, json } => {
            let session = open(&target, true)?;
            let who = status::Who::of(&session)?;
            if json {
                sayln!(
                    "{}",
                    serde_json::to_string_pretty(&status::json(&session, &who, now))?
                );
            } else {
                say(&status::text(&session, &who, now));
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Check {
            target,
            task,
            undo,
            note,
        } => {
            let mut s = open(&target, false)?;
            let task = resolve_id(
                s.state.plan.tasks().map(|(_, t)| t.id.as_str()),
                &task,
                "task",
            )?;
            let cmd = if undo {
                Command::Uncheck { task, note }
            } else {
                Command::Check { task, note }
            };
            act(&mut s, &cmd)
        }
        Cmd::Decide {
            target,
            gate,
            vote,
            note,
        } => {
            let mut s = open(&target, false)?;
            let gate = resolve_id(
                s.state.plan.gates.iter().map(|g| g.id.as_str()),
                &gate,
                "gate",
            )?;
            let cmd = Command::Vote {
                gate,
                role: target.role.clone(),
                vote,
                note,
            };
            act(&mut s, &cmd)
        }
        Cmd::Advance {
            target,
            to,
            override_reason,
        } => {
            let mut s = open(&target, false)?;
            let to = to
                .map(|p| {
                    resolve_id(
                        s.state.plan.phases.iter().map(|x| x.id.as_str()),
                        &p,
                        "phase",
                    )
                })
                .transpose()?;
            act(
                &mut s,
                &Command::Advance {
                    to,
                    override_reason,
                },
            )
        }
        Cmd::Hold { target, reason } => act(&mut open(&target, false)?, &Command::Hold { reason }),
        Cmd::Release { target, note } => {
            act(&mut open(&target, false)?, &Command::Release { note })
        }
        Cmd::Rollback { target, reason } => {
            act(&mut open(&target, false)?, &Command::Rollback { reason })
        }
        Cmd::Note { target, text } => {
            let text = if text == "-" { read_note()? } else { text };
            act(&mut open(&target, false)?, &Command::Note { text })
        }
        Cmd::Report {
            target,
            format,
            output,
        } => {
            let session = open(&target, true)?;
            let report = session.report(now).map_err(SessionError::Journal)?;
            match output {
                Some(path) => match session.write_report(&report, format, Some(&path)) {
                    Ok(path) => eprintln!("warroom: report written to {}", path.display()),
                    Err(e) => return Err(UserError(e.to_string()).into()),
                },
                None => say(&format.render(&report)),
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Verify {
            target,
            accept_rewrite,
        } => Ok(status::verify(&target, accept_rewrite)),
        Cmd::Journal { cmd } => Ok(journal::run(&cmd)),
        Cmd::Completions { shell } => Ok(completions::print_script(shell)),
        Cmd::Man => completions::print_man_page(),
    }
}

/// Opens the session for a verb. Read-only verbs open as followers so they never write.
fn open(target: &Target, follower: bool) -> Result<Session> {
    open_with(target, follower, false)
}

/// [`open`]; `room`: the full-screen room, which follows a journal that only refuses this
/// viewer's writes (a read-only database role) instead of failing.
fn open_with(target: &Target, follower: bool, room: bool) -> Result<Session> {
    let opts = OpenOptions {
        journal: target.journal.clone(),
        start: target.start,
        role: target.role.clone(),
        follower,
        accept_broken_chain: target.accept_broken_chain,
        follow_if_read_only: room,
    };
    Ok(Session::open(&target.plan, &opts, Utc::now())?)
}

/// The largest note read from standard input (`warroom note PLAN -`): one journal line,
/// which every viewer replays.
const MAX_NOTE_BYTES: u64 = 64 * 1024;

/// A note from standard input: UTF-8, at most [`MAX_NOTE_BYTES`], its final newline dropped.
fn read_note() -> Result<String> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_NOTE_BYTES + 1)
        .read_to_end(&mut bytes)
        .wrap_err("cannot read the note from standard input")?;
    if bytes.len() as u64 > MAX_NOTE_BYTES {
        return Err(UserError(format!(
            "the note on standard input is longer than {} KiB: shorten it, or attach the \
             file to the ticket and note where it is",
            MAX_NOTE_BYTES / 1024
        ))
        .into());
    }
    let mut text = String::from_utf8(bytes).map_err(|e| {
        UserError(format!(
            "the note on standard input is not UTF-8 (byte {}): convert it first",
            e.utf8_error().valid_up_to()
        ))
    })?;
    while text.ends_with('\n') || text.ends_with('\r') {
        text.pop();
    }
    if text.trim().is_empty() {
        return Err(
            UserError("the note on standard input is empty: nothing written".into()).into(),
        );
    }
    Ok(text)
}

/// Opens the full-screen room on an open session; `wall` shows the large-digit band at any
/// terminal size.
pub fn open_room(session: Session, wall: bool) -> Result<ExitCode> {
    // The screen must keep drawing while someone holds the journal's lock.
    session
        .journal
        .set_lock_wait(std::time::Duration::from_millis(250));
    let mut app = App::new(session);
    app.view.wall = wall;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    let ran = rt.block_on(crate::event_loop::run(app));
    // A host-name lookup stuck in a resolver that never answers holds a runtime thread that no
    // deadline can stop: leaving must not wait for it (dropping the runtime would).
    rt.shutdown_timeout(LEAVE_WAIT);
    ran?;
    Ok(ExitCode::SUCCESS)
}

fn act(session: &mut Session, cmd: &Command) -> Result<ExitCode> {
    let evidence = if carries_evidence(cmd) {
        // Refused before probing: a refusal should not wait on the checks' deadlines.
        session.validate(cmd)?;
        snapshot(session)?
    } else {
        None
    };
    let said = session.journal_warnings.len();
    let acted = session.act_with(cmd, evidence.as_ref(), Utc::now());
    // What the append repaired (a torn last line moved aside, a newline added) is news.
    for w in session.journal_warnings.iter().skip(said) {
        eprintln!("warning: {w}");
    }
    let ev = acted?;
    let text = session.state.feed.back().map_or("", |f| f.text.as_str());
    sayln!("#{} {}", ev.seq, crate::text::sanitize(text));
    Ok(ExitCode::SUCCESS)
}

fn carries_evidence(cmd: &Command) -> bool {
    matches!(
        cmd,
        Command::Vote { .. }
            | Command::Advance { .. }
            | Command::Hold { .. }
            | Command::Rollback { .. }
    )
}

/// Probes the plan's checks and metrics once, so a decision made from a script carries the
/// same kind of evidence as one made in the room. None when the plan watches nothing.
fn snapshot(session: &Session) -> Result<Option<crate::journal::evidence::Evidence>> {
    let plan = &session.state.plan;
    if plan.checks.is_empty() && plan.metrics.is_empty() {
        return Ok(None);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    let opts = crate::poll::runner::Options {
        plan_file: session.plan_path.clone(),
        commands_refused: session.commands_refusal(),
        concurrency: crate::poll::runner::CONCURRENCY,
    };
    let evidence = rt.block_on(crate::poll::runner::snapshot(plan, &opts));
    // Every probe ended by its deadline; a lookup stuck in a hung resolver must not keep the
    // verb waiting after that (dropping the runtime would wait for its thread).
    rt.shutdown_timeout(LEAVE_WAIT);
    Ok(Some(evidence))
}

/// How long a verb or room, once done, waits for runtime threads still blocked (a host-name
/// lookup in a resolver that does not answer) before it goes anyway.
const LEAVE_WAIT: std::time::Duration = std::time::Duration::from_millis(200);

/// Writes `text` to standard output. A closed pipe is the reader saying it has seen enough,
/// so write errors end the output silently (the exit code stays what the verb decided).
pub(crate) fn say(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Finds the id the user meant: exact, else the only one containing `given` (ignoring case).
fn resolve_id<'a>(ids: impl Iterator<Item = &'a str>, given: &str, what: &str) -> Result<String> {
    let ids: Vec<&str> = ids.collect();
    if ids.contains(&given) {
        return Ok(given.to_string());
    }
    let needle = given.to_lowercase();
    let hits: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| id.contains(&needle))
        .collect();
    match hits.as_slice() {
        [one] => Ok((*one).to_string()),
        [] => Err(UserError(format!(
            "unknown {what} id '{given}'; `warroom status PLAN --json` lists the ids"
        ))
        .into()),
        many => Err(UserError(format!(
            "'{given}' matches {} {what}s ({}{}); give more of the id",
            many.len(),
            many.iter().take(3).copied().collect::<Vec<_>>().join(", "),
            if many.len() > 3 { ", …" } else { "" }
        ))
        .into()),
    }
}

fn import(plan_path: &Path, out: Option<&Path>) -> Result<ExitCode> {
    let loaded = plan::load(plan_path)?;
    for w in &loaded.loaded.warnings {
        eprintln!("warning: {}", crate::text::sanitize(&w.to_string()));
    }
    let text =
        plan::toml::to_toml(&loaded.loaded.plan).wrap_err("cannot write the plan as TOML")?;
    match out {
        Some(p) if p == Path::new("-") => say(&text),
        Some(p) => {
            refuse_overwriting_a_runbook(plan_path, p)?;
            write_whole(p, text.as_bytes())?;
            eprintln!("wrote {}", p.display());
        }
        None => {
            let p = plan_path.with_extension("toml");
            if p.exists() {
                return Err(UserError(format!(
                    "{} already exists: choose where to write with -o PATH (or -o - for standard output)",
                    p.display()
                ))
                .into());
            }
            write_whole(&p, text.as_bytes())?;
            eprintln!("wrote {}", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `import -o OUT` must never replace a runbook: not the plan being imported (whatever name
/// reaches it), and not any Markdown file that exists — a plan written for people is not
/// regenerated from this TOML.
fn refuse_overwriting_a_runbook(input: &Path, out: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    let Ok(existing) = std::fs::metadata(out) else {
        return Ok(());
    };
    let same = std::fs::metadata(input)
        .is_ok_and(|i| (i.dev(), i.ino()) == (existing.dev(), existing.ino()));
    if same {
        return Err(UserError(format!(
            "{} is the plan being imported: writing the TOML there would replace the runbook; \
             choose another output (-o {})",
            out.display(),
            input.with_extension("toml").display()
        ))
        .into());
    }
    let md = out.extension().is_some_and(|e| {
        let e = e.to_string_lossy().to_ascii_lowercase();
        e == "md" || e == "markdown"
    });
    if md {
        return Err(UserError(format!(
            "{} is an existing Markdown file: import writes TOML and will not replace a \
             runbook; choose a .toml output",
            out.display()
        ))
        .into());
    }
    Ok(())
}

/// Writes `bytes` to `path` whole: into a temporary file beside it, synced, then renamed over
/// it, so a reader (or a crash) never sees half a file and a link at `path` is replaced, not
/// written through. Readable by the team (0644), as plans are.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::PermissionsExt as _;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let fail = || format!("cannot write {}", path.display());
    let mut tmp = tempfile::NamedTempFile::new_in(dir).wrap_err_with(fail)?;
    tmp.write_all(bytes).wrap_err_with(fail)?;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
        .wrap_err_with(fail)?;
    tmp.as_file().sync_all().wrap_err_with(fail)?;
    tmp.persist(path).map_err(|e| e.error).wrap_err_with(fail)?;
    Ok(())
}

fn parse_vote(s: &str) -> Result<Vote, String> {
    Vote::parse(s).ok_or_else(|| format!("'{s}' is not a vote: use go, no-go or hold"))
}

/// Parses `--start`: `now`, RFC 3339, `YYYY-MM-DD HH:MM[:SS]` (UTC), `YYYY-MM-DD` (00:00 UTC)
/// or `HH:MM` (UTC, today) — see [`crate::state::t0::parse_t0`].
pub fn parse_start(s: &str) -> Result<DateTime<Utc>, String> {
    crate::state::t0::parse_t0(s, Utc::now())
}
