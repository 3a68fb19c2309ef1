//! Hostile text through the real drawing code (ratatui's `TestBackend`): every class of escape
//! sequence and invisible character, pushed through plan text, notes, HTTP bodies and command
//! output from real files, a real HTTP server on 127.0.0.1 and real commands, never reaches the
//! drawn buffer — while the journal keeps the raw text. Then degenerate sizes, a 1 MB note,
//! 100,000 combining marks and a plan that is not valid UTF-8: the frame still draws.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use warroom::app::{App, Effect, Mode, Msg};
use warroom::poll::Target;
use warroom::poll::runner;
use warroom::session::OpenOptions;
use warroom::state::Command;

/// One of every kind of text that drives or deceives a terminal.
const CLASSES: &[(&str, &str)] = &[
    ("bidi LRE", "\u{202a}"),
    ("bidi RLE", "\u{202b}"),
    ("bidi PDF", "\u{202c}"),
    ("bidi LRO", "\u{202d}"),
    ("bidi RLO", "\u{202e}"),
    ("bidi LRI", "\u{2066}"),
    ("bidi RLI", "\u{2067}"),
    ("bidi FSI", "\u{2068}"),
    ("bidi PDI", "\u{2069}"),
    ("zero-width space", "\u{200b}"),
    ("zero-width non-joiner", "\u{200c}"),
    ("zero-width joiner", "\u{200d}"),
    ("word joiner", "\u{2060}"),
    ("byte order mark", "\u{feff}"),
    ("CSI clear screen", "\u{1b}[2J"),
    ("CSI colour", "\u{1b}[31m"),
    ("OSC 0 title", "\u{1b}]0;owned\u{7}"),
    ("OSC 8 hyperlink", "\u{1b}]8;;http://e/\u{1b}\\"),
    ("OSC 52 clipboard", "\u{1b}]52;c;aGk=\u{7}"),
    ("DCS", "\u{1b}P1$qm\u{1b}\\"),
    ("C1 CSI", "\u{9b}2J"),
    ("carriage return", "\r"),
    ("backspace", "\u{8}"),
    ("bell", "\u{7}"),
    ("NUL", "\u{0}"),
    ("DEL", "\u{7f}"),
];

/// `tag` followed by every class (the invisible ones first: narrow cells cut the rest), so
/// finding `tag` on the screen proves the text was drawn, not dropped.
fn hostile(tag: &str) -> String {
    let mut s = tag.to_string();
    for (_, seq) in CLASSES {
        s.push_str(seq);
    }
    s.push_str("end");
    s
}

/// Whether a drawn character would drive the terminal or hide or reorder text.
fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

/// Panics naming the cell and the class when any drawn cell holds a forbidden character.
fn assert_clean(buf: &Buffer, what: &str) {
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let sym = buf[(x, y)].symbol();
            if let Some(c) = sym.chars().find(|c| forbidden(*c)) {
                let class = CLASSES
                    .iter()
                    .find(|(_, seq)| seq.contains(c))
                    .map_or("?", |(name, _)| name);
                panic!(
                    "{what}: {c:?} ({class}) drawn at column {x}, row {y}:\n{}",
                    text(buf)
                );
            }
        }
    }
}

/// The buffer as text, one line per row.
fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn draw(app: &App, w: u16, h: u16, now: DateTime<Utc>) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| warroom::ui::render(f, &app.screen(now), warroom::ui::theme::Theme::from_env()))
        .unwrap();
    terminal.backend().buffer().clone()
}

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 12, 13, h, m, 0)
        .single()
        .unwrap()
}

/// `s` as a TOML basic string (control characters escaped, everything else as it is).
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A real HTTP server on 127.0.0.1 answering with hostile text: `/health` as a plain body,
/// `/api/v1/query` as a Prometheus error whose message is hostile — except the query `good`,
/// which reads 1 (so a metric's hostile unit is drawn beside a value).
fn hostile_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let (kind, body) = if request.contains("query=good") {
                let ok = serde_json::json!({
                    "status": "success",
                    "data": {"resultType": "scalar", "result": [1_765_616_400, "1"]},
                });
                ("application/json", ok.to_string())
            } else if request.contains("/api/v1/query") {
                let err = serde_json::json!({
                    "status": "error",
                    "errorType": "bad_data",
                    "error": hostile("BODYPROM"),
                });
                ("application/json", err.to_string())
            } else {
                ("text/plain", hostile("BODYHTTP"))
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr
}

/// A plan whose every drawn field is hostile (each with its own tag), an HTTP check and a
/// Prometheus metric on `server`, a command check and a step command printing hostile text.
fn hostile_plan(dir: &Path, server: SocketAddr) -> std::path::PathBuf {
    std::fs::write(
        dir.join("hostile.txt"),
        format!("{}\n{}\n", hostile("CMDOUT"), hostile("CMDOUT2")),
    )
    .unwrap();
    let f = |tag: &str| toml_str(&hostile(tag));
    let plan = format!(
        r#"title = {title}
t0 = "2025-12-13T09:00:00Z"

[[phase]]
id = "deploy"
title = {phase}
schedule = {{ kind = "at", start = "2025-12-13T09:00:00Z", end = "2025-12-13T10:00:00Z" }}
  [[phase.task]]
  text = {task}
  run = "cat hostile.txt; cat hostile.txt >&2"

[[phase]]
id = "rollback"
title = "Roll back"
kind = "rollback"
  [[phase.task]]
  text = "Route traffic back"

[[gate]]
id = "go"
title = {gate}
phase = "deploy"

[[check]]
name = {check}
url = "http://{server}/health"
conditions = ["body > 0"]

[[check]]
name = "cmdcheck"
command = "cat hostile.txt >&2; exit 3"

[[metric]]
name = {metric}
unit = {unit}
prometheus = "http://{server}"
query = "up"
degraded = ["value > 5"]

[[metric]]
name = "goodmetric"
unit = {unit}
prometheus = "http://{server}"
query = "good"
degraded = ["value > 5"]

[[trigger]]
text = {trigger}
"#,
        title = f("PTITLE"),
        phase = f("PPHASE"),
        task = f("PTASK"),
        gate = f("PGATE"),
        check = f("PCHECK"),
        metric = f("PMETRIC"),
        unit = toml_str("\u{202e}UNIT"),
        trigger = f("PTRIG"),
    );
    let path = dir.join("hostile.toml");
    std::fs::write(&path, plan).unwrap();
    path
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

/// Plan text, a note, HTTP bodies (a plain body quoted by a failed condition, a Prometheus
/// error), a failing command check and a step command's output, at the compact and the wide
/// layout and in the output pane: each path's tag is on the screen, no cell holds a control,
/// bidi or zero-width character, and the journal keeps the note and the output raw.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_on_every_path_never_reaches_the_buffer() {
    let dir = tempfile::tempdir().unwrap();
    let server = hostile_server();
    let plan = hostile_plan(dir.path(), server);
    let mut s = common::state::open(&plan, &OpenOptions::default(), at(8, 50)).unwrap();
    s.act(
        &Command::Advance {
            to: None,
            override_reason: None,
        },
        at(9, 1),
    )
    .unwrap();
    s.act(
        &Command::Note {
            text: hostile("NOTE"),
        },
        at(9, 2),
    )
    .unwrap();
    let mut app = App::new(s);

    // Every check and metric fails once with the server's (or the command's) hostile words.
    let opts = runner::Options {
        plan_file: plan.clone(),
        commands_refused: None,
        concurrency: runner::CONCURRENCY,
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let pollers = runner::start(&app.session.state.plan, &opts, &tx);
    // Seen: the HTTP check, the command check and the Prometheus metric failing, the good
    // metric reading its value.
    let mut seen = [false; 4];
    while seen.contains(&false) {
        let r = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("every probe answers within 30 s")
            .unwrap();
        let (slot, wanted) = match r.target {
            Target::Check(i) => (i, r.sample.error.is_some()),
            Target::Metric(0) => (2, r.sample.error.is_some()),
            Target::Metric(_) => (3, r.sample.value.is_some()),
        };
        seen[slot] |= wanted;
        warroom::event_loop::settle(&mut app, Msg::Reading(r), Utc::now());
    }
    drop(pollers);

    for (w, h) in [(80, 24), (160, 48)] {
        let buf = draw(&app, w, h, at(9, 5));
        assert_clean(&buf, &format!("room at {w}x{h}"));
    }
    let wide = text(&draw(&app, 160, 48, at(9, 5)));
    for tag in [
        "PTITLE", "PPHASE", "PTASK", "PGATE", "PCHECK", "PMETRIC", "PTRIG", "NOTE", "BODYHTTP",
        "BODYPROM", "CMDOUT", "UNIT",
    ] {
        assert!(wide.contains(tag), "{tag} is not on the screen:\n{wide}");
    }
    let compact = text(&draw(&app, 80, 24, at(9, 5)));
    assert!(compact.contains("1UNIT"), "the metrics strip:\n{compact}");
    // What is left of a sequence is inert text the user can read.
    assert!(wide.contains("[2J"), "{wide}");

    // The step command, run as an operator would: x, then y to confirm.
    warroom::event_loop::settle(&mut app, Msg::Key(key('x')), Utc::now());
    assert!(
        matches!(app.view.mode, Mode::RunConfirm { .. }),
        "x asks to confirm: {:?}",
        app.view.mode
    );
    let fx = warroom::event_loop::settle(&mut app, Msg::Key(key('y')), Utc::now());
    let mut run = fx
        .into_iter()
        .find_map(|e| match e {
            Effect::RunStep {
                command,
                plan_file,
                timeout,
            } => Some(warroom::exec::start(&command, &plan_file, timeout).unwrap()),
            _ => None,
        })
        .expect("the command is asked to start");
    while let Some(o) = tokio::time::timeout(Duration::from_secs(30), run.next())
        .await
        .expect("the command ends within 30 s")
    {
        warroom::event_loop::settle(&mut app, Msg::Output(o), Utc::now());
    }
    assert!(matches!(app.view.mode, Mode::Output), "{:?}", app.view.mode);
    for (w, h) in [(80, 24), (160, 48)] {
        let buf = draw(&app, w, h, at(9, 6));
        assert_clean(&buf, &format!("output pane at {w}x{h}"));
        let screen = text(&buf);
        assert!(screen.contains("CMDOUT2"), "{screen}");
    }

    // The journal keeps what was said, byte for byte.
    let journal = dir.path().join("hostile.journal.jsonl");
    let notes = common::journal::of_type(&journal, "note");
    assert_eq!(notes.len(), 1, "{}", common::journal::types(&journal));
    assert_eq!(notes[0]["text"], hostile("NOTE"));
    let runs = common::journal::events(&journal)
        .into_iter()
        .filter(|e| e.to_string().contains("CMDOUT2"))
        .collect::<Vec<_>>();
    assert_eq!(runs.len(), 1, "{}", common::journal::types(&journal));
    assert!(
        runs[0].to_string().contains(r"\u001b]52;c;aGk=\u0007"),
        "the command's output is journaled raw: {}",
        runs[0]
    );
}

/// A room on the small launch plan, its first phase started.
fn small_room(dir: &Path) -> App {
    let plan = dir.join("launch.md");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli/launch.md"),
        &plan,
    )
    .unwrap();
    let mut s = common::state::open(&plan, &OpenOptions::default(), at(8, 50)).unwrap();
    s.act(
        &Command::Advance {
            to: None,
            override_reason: None,
        },
        at(9, 1),
    )
    .unwrap();
    App::new(s)
}

/// A 1 MB note on one line and a character carrying 100,000 combining marks: the journal keeps
/// both whole; the screen shows the start of the one and the character with a few of its
/// marks (at most `MAX_MARKS` per cell: every mark would be written to the terminal each time
/// the cell is), the rest of the frame draws, and so do 0×0, 1×1 and 10×3.
#[test]
fn a_megabyte_note_and_a_hundred_thousand_combining_marks_draw_lossily() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = small_room(dir.path());
    let big = format!("BIGNOTE {}", "x".repeat(1 << 20));
    let zalgo = format!("Z{} zalgo", "\u{301}".repeat(100_000));
    for text in [&big, &zalgo] {
        app.session
            .act(&Command::Note { text: text.clone() }, at(9, 2))
            .unwrap();
    }

    let buf = draw(&app, 160, 48, at(9, 5));
    assert_clean(&buf, "160x48");
    let screen = text(&buf);
    assert!(screen.contains("note: BIGNOTE xxxx"), "{screen}");
    assert!(screen.contains(" zalgo"), "{screen}");
    assert!(screen.contains("quit"), "the footer is drawn:\n{screen}");
    let marks = (0..buf.area.height)
        .flat_map(|y| (0..buf.area.width).map(move |x| (x, y)))
        .map(|p| buf[p].symbol().chars().filter(|c| *c == '\u{301}').count())
        .max()
        .unwrap();
    assert_eq!(marks, warroom::text::MAX_MARKS, "marks on the busiest cell");

    for (w, h) in [(0, 0), (1, 1), (10, 3), (80, 24)] {
        let buf = draw(&app, w, h, at(9, 5));
        assert_eq!(buf.area, ratatui::layout::Rect::new(0, 0, w, h));
        assert_clean(&buf, &format!("{w}x{h}"));
    }
    assert!(
        text(&draw(&app, 10, 3, at(9, 5))).starts_with("IN PROGRE…"),
        "a tiny terminal still says the room's state"
    );

    let journal = dir.path().join("launch.journal.jsonl");
    let notes = common::journal::of_type(&journal, "note");
    assert_eq!(notes.len(), 2, "{}", common::journal::types(&journal));
    assert_eq!(notes[0]["text"], big.as_str());
    assert_eq!(notes[1]["text"], zalgo.as_str());
}

/// A Markdown plan with Latin-1 bytes, a lone C1 byte, a raw ESC and a cut UTF-8 sequence
/// loads: the bad bytes show as U+FFFD, `validate` warns naming the file and the first bad
/// line, and the room draws with nothing that drives the terminal.
#[test]
fn a_plan_that_is_not_utf8_loads_lossily_with_a_warning_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("invalid-utf8.md");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile/invalid-utf8.md"),
        &plan,
    )
    .unwrap();
    let plan_arg = plan.to_str().unwrap();

    let (status, stdout, stderr) = common::pty::cli(&["validate", plan_arg]);
    assert!(status.success(), "{stdout}{stderr}");
    let want = format!("{plan_arg}:7: not valid UTF-8 (and 3 more lines)");
    assert!(stdout.contains(&want), "no {want:?} in:\n{stdout}{stderr}");

    let s = common::state::open(&plan, &OpenOptions::default(), at(8, 50)).unwrap();
    assert_eq!(
        (s.warnings[0].file.as_path(), s.warnings[0].line),
        (plan.as_path(), 7)
    );
    let app = App::new(s);
    let buf = draw(&app, 160, 48, at(8, 55));
    assert_clean(&buf, "160x48");
    let screen = text(&buf);
    for shown in [
        "caf\u{fffd} order",
        "Raw C1 \u{fffd}2J and ESC [2J",
        "Clean task",
    ] {
        assert!(screen.contains(shown), "no {shown:?} in:\n{screen}");
    }
}
