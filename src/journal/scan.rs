//! The reading rules, line by line: what counts as an event and what is a problem. Shared by
//! replay, incremental reads, verification and the writer's fallback for a corrupt tail, so
//! that every reader (and the writer choosing the next `seq`) agrees on the head.

use std::thread;

use super::Problem;
use super::chain::{self, Digest};
use super::event::Event;

/// The chain state after the last complete line seen.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chain {
    /// Complete lines seen (the last line's 1-based number).
    lines: usize,
    /// `seq` of the last event taken.
    seq: u64,
    /// Hash of the last complete line, whatever it held: the next line chains to its bytes.
    head: Option<Digest>,
    /// The last line did not parse, so the next line's `prev` cannot be judged by it.
    last_unparsed: bool,
    /// Lines that did not parse since the last event taken: each may have been one event, so
    /// a `seq` gap of up to this many is already explained by problems reported.
    unparsed_since: u64,
    /// Hash of the line of the last event taken (the head may be a line that did not parse):
    /// with `seq`, the checkpoint of what was read.
    event_head: Option<Digest>,
    /// A `seq` whose line's hash is wanted (comparing with a checkpoint while reading).
    watch: Option<u64>,
    /// The hash of the line that holds event `watch`, once taken.
    watched: Option<Digest>,
}

impl Chain {
    /// `seq` of the last event taken (0: none yet).
    pub(crate) fn seq(&self) -> u64 {
        self.seq
    }

    /// Hash of the last complete line.
    pub(crate) fn head(&self) -> Option<&Digest> {
        self.head.as_ref()
    }

    /// Number of complete lines seen.
    pub(crate) fn lines(&self) -> usize {
        self.lines
    }

    /// Hash of the line of the last event taken.
    pub(crate) fn event_head(&self) -> Option<&Digest> {
        self.event_head.as_ref()
    }

    /// Asks the chain to remember the hash of the line holding event `seq`
    /// ([`Chain::watched`]).
    pub(crate) fn watch(&mut self, seq: u64) {
        self.watch = Some(seq);
        self.watched = None;
    }

    /// The hash of the line holding the watched event, once it was taken.
    pub(crate) fn watched(&self) -> Option<&Digest> {
        self.watched.as_ref()
    }

    /// Takes the next complete line, hashed and parsed ([`Parsed::of`]). Returns its event when
    /// it is to be loaded; anything wrong is pushed onto `problems` with the line's number.
    ///
    /// Rules: a line that does not parse (bad JSON, unknown `type`) is not loaded. An event
    /// whose `seq` does not increase is not loaded (a duplicate would apply twice). An event
    /// after a `seq` gap, or whose `prev` does not match the line before, is loaded and
    /// reported: the break may be an edit of another line, and dropping a real event would
    /// lose it.
    pub(crate) fn take(&mut self, parsed: Parsed, problems: &mut Vec<Problem>) -> Option<Event> {
        self.lines += 1;
        let n = self.lines;
        let before = self.head.replace(parsed.digest);
        let judge_prev = !std::mem::replace(&mut self.last_unparsed, false);
        let ev = match parsed.event {
            Ok(ev) => ev,
            Err(e) => {
                let message = if parsed.blank {
                    "empty line (not loaded)".to_string()
                } else {
                    // serde_json says "at line 1 column N": within this line, not the journal.
                    let why = e.to_string();
                    let why = why.split(" at line ").next().unwrap_or_default();
                    format!(
                        "not a valid event: {why}, column {} (not loaded)",
                        e.column()
                    )
                };
                problems.push(Problem { line: n, message });
                self.last_unparsed = true;
                self.unparsed_since += 1;
                return None;
            }
        };
        if ev.seq <= self.seq {
            problems.push(Problem {
                line: n,
                message: format!(
                    "seq {} does not follow seq {} (a repeated or misplaced line; not loaded)",
                    ev.seq, self.seq
                ),
            });
            return None;
        }
        let mut wrong = Vec::new();
        let missing = ev.seq - self.seq - 1;
        if missing > self.unparsed_since {
            wrong.push(format!(
                "seq jumps from {} to {} ({missing} event(s) missing)",
                self.seq, ev.seq
            ));
        }
        if judge_prev && !chain::prev_matches(&ev.prev, before.as_ref()) {
            wrong.push(if n == 1 {
                "prev of the first line is not 64 zeros (lines were removed before it)".to_string()
            } else {
                format!(
                    "prev does not match the hash of line {} (that line was changed, or lines \
                     were removed or inserted)",
                    n - 1
                )
            });
        }
        if !wrong.is_empty() {
            problems.push(Problem {
                line: n,
                message: format!("{} (event loaded)", wrong.join("; ")),
            });
        }
        self.seq = ev.seq;
        self.unparsed_since = 0;
        self.event_head = Some(parsed.digest);
        if self.watch == Some(ev.seq) {
            self.watched = Some(parsed.digest);
        }
        Some(ev)
    }
}

/// One line, hashed and parsed: the part of reading that does not depend on the lines
/// before it, so big reads can do it on several threads.
#[derive(Debug)]
pub(crate) struct Parsed {
    digest: Digest,
    blank: bool,
    event: Result<Event, serde_json::Error>,
}

impl Parsed {
    /// Hashes and parses one line (without its newline).
    pub(crate) fn of(line: &[u8]) -> Parsed {
        let event = serde_json::from_slice::<Event>(line);
        Parsed {
            digest: chain::digest(line),
            blank: event.is_err() && line.iter().all(u8::is_ascii_whitespace),
            event,
        }
    }
}

/// Blocks smaller than this are parsed on the calling thread (a follower's few new lines).
const PARALLEL_MIN: usize = 64 * 1024;
/// At most this many threads parse one block: replay is I/O-light, and the room's other work
/// runs beside it.
const MAX_THREADS: usize = 4;

/// Hashes and parses every line of `block` (complete lines, each ending with a newline), in
/// order. Big blocks are cut at line boundaries and parsed on up to [`MAX_THREADS`] threads:
/// parsing dominates replay, and a 100,000-event journal must replay within 200 ms.
pub(crate) fn parse_block(block: &[u8]) -> Vec<Parsed> {
    let threads = if block.len() < PARALLEL_MIN {
        1
    } else {
        thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
    };
    if threads == 1 {
        return parse_lines(block);
    }
    let mut parts = Vec::with_capacity(threads);
    let mut rest = block;
    for k in (1..threads).rev() {
        // Cut after the first newline from an even share on (the block ends with one).
        let cut = rest.len() / (k + 1);
        let cut = rest[cut..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| cut + i + 1);
        let (head, tail) = rest.split_at(cut);
        parts.push(head);
        rest = tail;
    }
    parts.push(rest);
    thread::scope(|s| {
        let helpers: Vec<_> = parts[1..]
            .iter()
            .map(|part| s.spawn(move || parse_lines(part)))
            .collect();
        let mut all = parse_lines(parts[0]);
        for h in helpers {
            match h.join() {
                Ok(mut v) => all.append(&mut v),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    })
}

fn parse_lines(block: &[u8]) -> Vec<Parsed> {
    let mut out = Vec::with_capacity(block.len() / 128 + 1);
    let mut rest = block;
    while let Some(i) = find_newline(rest) {
        out.push(Parsed::of(&rest[..i]));
        rest = &rest[i + 1..];
    }
    out
}

/// Position of the first `\n` in `s`, eight bytes at a time: replay looks at every byte of the
/// journal this way once, and a byte loop costs more than the hashing.
pub(crate) fn find_newline(s: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const NEWLINES: u64 = ONES * b'\n' as u64;
    let mut words = s.chunks_exact(8);
    let mut at = 0;
    for w in words.by_ref() {
        let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]) ^ NEWLINES;
        // Sets the high bit of each zero byte of `x` (a newline in `w`); exact for the lowest
        // one, which is the first in little-endian order.
        let found = x.wrapping_sub(ONES) & !x & HIGHS;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_newline_agrees_with_a_byte_loop() {
        let mut s = Vec::new();
        for i in 0..300u32 {
            s.push(if i % 37 == 5 || i % 11 == 0 {
                b'\n'
            } else {
                (i % 250) as u8 + 1
            });
        }
        for start in 0..s.len() {
            for end in start..s.len().min(start + 40) {
                let part = &s[start..end];
                assert_eq!(
                    find_newline(part),
                    part.iter().position(|&b| b == b'\n'),
                    "{start}..{end}"
                );
            }
        }
    }

    #[test]
    fn parse_block_keeps_order_across_threads() {
        let mut block = Vec::new();
        for i in 0..20_000 {
            block.extend_from_slice(format!("line {i} that is not json\n").as_bytes());
        }
        let parsed = parse_block(&block);
        assert_eq!(parsed.len(), 20_000);
        let mut lines = block.split(|&b| b == b'\n');
        for p in &parsed {
            let line = lines.next().expect("as many lines");
            assert_eq!(p.digest, chain::digest(line));
        }
    }
}
