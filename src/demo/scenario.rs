//! What the demo's simulated services do: a pure, deterministic model of each service's health
//! and traffic per scenario (`warroom demo --scenario NAME`).
//!
//! [`Scenario::behaviour`] maps (scenario, service, [`Timing`]) to a [`Behaviour`]: the status
//! and delay of `/health`, and the error rate, p95 latency, request rate and queue depth that
//! `/metrics` and the query API report. No randomness: the small wobble on every number is
//! pseudo-noise computed from the time since the demo started, so a test with explicit
//! durations always sees the same values.

use std::time::Duration;

/// The four services of the CRM launch, by the names the bundled wiring uses.
pub const SERVICES: [&str; 4] = [
    "authentication",
    "talent-engine",
    "job-applications",
    "rostering",
];

/// Healthy error rate of every service, in %.
pub const BASE_ERROR_RATE: f64 = 0.3;

/// How long the bad deploy takes to reach its worst after phase 2 starts.
pub const BAD_DEPLOY_RAMP: Duration = Duration::from_secs(90);

/// How long the services take to recover once a rollback has started.
pub const ROLLBACK_RECOVERY: Duration = Duration::from_secs(60);

/// How the simulated services behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Every service healthy for the whole demo.
    Healthy,
    /// Healthy until phase 2 starts; then talent-engine's deploy goes bad and drags the others.
    BadDeploy,
    /// rostering's `/health` goes DOWN for a few seconds every quarter minute.
    Flapping,
    /// talent-engine and job-applications answer slowly; no errors.
    Slow,
}

impl Scenario {
    /// Every scenario, in the order of [`Scenario::NAMES`].
    pub const ALL: [Scenario; 4] = [
        Scenario::Healthy,
        Scenario::BadDeploy,
        Scenario::Flapping,
        Scenario::Slow,
    ];

    /// Scenario names accepted by `--scenario`.
    pub const NAMES: [&str; 4] = ["healthy", "bad-deploy", "flapping", "slow"];

    /// Parses a scenario name (case-insensitive; `_` for `-` accepted).
    #[must_use]
    pub fn parse(s: &str) -> Option<Scenario> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        Scenario::ALL.into_iter().find(|sc| sc.name() == s)
    }

    /// The name `--scenario` takes.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Healthy => "healthy",
            Scenario::BadDeploy => "bad-deploy",
            Scenario::Flapping => "flapping",
            Scenario::Slow => "slow",
        }
    }

    /// One line saying what the scenario does.
    #[must_use]
    pub fn description(self) -> &'static str {
        match self {
            Scenario::Healthy => {
                "all four services UP and fast: ~0.3% errors, p95 ~120 ms, nothing fires"
            }
            Scenario::BadDeploy => {
                "healthy until the room enters its second phase (press n twice); then talent-engine's error rate and p95 climb and its /health fails now and then until the rollback triggers fire (1-2 min); recovers once a rollback starts"
            }
            Scenario::Flapping => {
                "rostering's /health is DOWN for 6 s of every 15 s; the other services stay healthy"
            }
            Scenario::Slow => {
                "talent-engine and job-applications answer /health in 400-900 ms (DEGRADED) with a high p95; error rates stay normal"
            }
        }
    }

    /// Every scenario with its description, one per line (for `--help` and errors).
    #[must_use]
    pub fn help_text() -> String {
        Scenario::ALL
            .iter()
            .map(|s| format!("{:<11} {}", s.name(), s.description()))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// What `service` does at the moment described by `t`. Unknown service names behave like
    /// an average healthy service.
    #[must_use]
    pub fn behaviour(self, service: &str, t: Timing) -> Behaviour {
        let healthy = healthy(service, t.elapsed);
        match self {
            Scenario::Healthy => healthy,
            Scenario::BadDeploy => bad_deploy(service, t, healthy),
            Scenario::Flapping => flapping(service, t, healthy),
            Scenario::Slow => slow(service, t, healthy),
        }
    }

    /// Error rate of all services together, in % (weighted by their request rates).
    #[must_use]
    pub fn aggregate_error_rate(self, t: Timing) -> f64 {
        let (mut errors, mut total) = (0.0, 0.0);
        for s in SERVICES {
            let b = self.behaviour(s, t);
            errors += b.rps * b.error_rate_pct;
            total += b.rps;
        }
        if total > 0.0 { errors / total } else { 0.0 }
    }

    /// The highest p95 latency of all services, in ms.
    #[must_use]
    pub fn max_p95(self, t: Timing) -> f64 {
        SERVICES
            .iter()
            .map(|s| self.behaviour(s, t).p95_ms)
            .fold(0.0, f64::max)
    }

    /// Requests per second of all services together.
    #[must_use]
    pub fn total_rps(self, t: Timing) -> f64 {
        SERVICES.iter().map(|s| self.behaviour(s, t).rps).sum()
    }
}

/// Where the demo is in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timing {
    /// Since the demo (the services) started.
    pub elapsed: Duration,
    /// Since the room entered the plan's second forward phase; `None` before.
    pub since_phase2: Option<Duration>,
    /// Since a rollback started; `None` before.
    pub since_rollback: Option<Duration>,
}

impl Timing {
    /// `elapsed` into the demo, phase 2 not started, no rollback.
    #[must_use]
    pub fn at(elapsed: Duration) -> Timing {
        Timing {
            elapsed,
            since_phase2: None,
            since_rollback: None,
        }
    }

    /// The same moment, with phase 2 started `since` ago.
    #[must_use]
    pub fn phase2(self, since: Duration) -> Timing {
        Timing {
            since_phase2: Some(since),
            ..self
        }
    }

    /// The same moment, with a rollback started `since` ago.
    #[must_use]
    pub fn rollback(self, since: Duration) -> Timing {
        Timing {
            since_rollback: Some(since),
            ..self
        }
    }
}

/// What one service does at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Behaviour {
    /// HTTP status of `/health`: 200 (UP) or 503 (DOWN).
    pub status: u16,
    /// How long `/health` takes to answer (a real delay).
    pub health_delay: Duration,
    /// Share of requests that fail, in %.
    pub error_rate_pct: f64,
    /// 95th percentile request latency, in ms.
    pub p95_ms: f64,
    /// Requests per second.
    pub rps: f64,
    /// Jobs waiting in the service's work queue.
    pub queue_depth: f64,
}

impl Behaviour {
    /// Whether `/health` answers UP.
    #[must_use]
    pub fn up(&self) -> bool {
        self.status == 200
    }
}

/// A service's healthy figures: requests/s, p95 ms, /health ms.
fn profile(service: &str) -> (f64, f64, f64) {
    match service {
        "authentication" => (420.0, 95.0, 8.0),
        "talent-engine" => (260.0, 120.0, 12.0),
        "job-applications" => (310.0, 110.0, 10.0),
        "rostering" => (150.0, 140.0, 15.0),
        _ => (100.0, 120.0, 10.0),
    }
}

fn healthy(service: &str, elapsed: Duration) -> Behaviour {
    let (rps, p95, health_ms) = profile(service);
    let t = elapsed.as_secs_f64();
    let seed = seed(service);
    Behaviour {
        status: 200,
        health_delay: ms(health_ms * (1.0 + 0.5 * noise(seed ^ 1, t))),
        error_rate_pct: BASE_ERROR_RATE * (1.0 + 0.3 * noise(seed ^ 2, t)),
        p95_ms: p95 * (1.0 + 0.06 * noise(seed ^ 3, t / 2.0)),
        rps: rps * (1.0 + 0.05 * noise(seed ^ 4, t / 3.0)),
        queue_depth: (3.0 + 2.0 * noise(seed ^ 5, t / 5.0)).round(),
    }
}

/// After phase 2: each service's error rate at worst (%), p95 multiplier at worst, extra
/// /health delay at worst (ms), and extra queue depth at worst.
fn bad_deploy_worst(service: &str) -> (f64, f64, f64, f64) {
    match service {
        // The service deployed in phase 2, gone bad.
        "talent-engine" => (30.0, 3.5, 380.0, 400.0),
        // Calls talent-engine for every application.
        "job-applications" => (14.0, 1.8, 60.0, 80.0),
        "rostering" => (2.0, 1.3, 0.0, 10.0),
        _ => (2.0, 1.2, 0.0, 5.0),
    }
}

fn bad_deploy(service: &str, t: Timing, healthy: Behaviour) -> Behaviour {
    let Some(since) = t.since_phase2 else {
        return healthy;
    };
    let ramp = fraction(since, BAD_DEPLOY_RAMP);
    let recovery = t
        .since_rollback
        .map_or(1.0, |r| 1.0 - fraction(r, ROLLBACK_RECOVERY));
    let bad = ramp * recovery;
    let (err, p95x, delay_ms, queue) = bad_deploy_worst(service);
    let wobble = 1.0 + 0.08 * noise(seed(service) ^ 6, t.elapsed.as_secs_f64());
    // talent-engine's /health fails for 6 s of every 20 s once the deploy is well gone bad.
    let failing = service == "talent-engine"
        && bad > 0.6
        && since.as_secs() % 20 >= 14
        && t.since_rollback.is_none();
    Behaviour {
        status: if failing { 503 } else { 200 },
        health_delay: healthy.health_delay + ms(delay_ms * bad * wobble),
        error_rate_pct: healthy.error_rate_pct + (err - BASE_ERROR_RATE) * bad * wobble,
        p95_ms: healthy.p95_ms * (1.0 + (p95x - 1.0) * bad * wobble),
        rps: healthy.rps,
        queue_depth: (healthy.queue_depth + queue * bad).round(),
    }
}

/// rostering: DOWN from second 9 to 15 of every 15 s (UP when the demo starts).
fn flapping(service: &str, t: Timing, healthy: Behaviour) -> Behaviour {
    if service != "rostering" || t.elapsed.as_secs() % 15 < 9 {
        return healthy;
    }
    Behaviour {
        status: 503,
        error_rate_pct: 25.0,
        p95_ms: healthy.p95_ms * 1.5,
        queue_depth: healthy.queue_depth + 40.0,
        ..healthy
    }
}

/// talent-engine and job-applications: /health in 400–900 ms, p95 500–900 ms.
fn slow(service: &str, t: Timing, healthy: Behaviour) -> Behaviour {
    if service != "talent-engine" && service != "job-applications" {
        return healthy;
    }
    let seed = seed(service);
    let s = t.elapsed.as_secs_f64();
    Behaviour {
        health_delay: ms(650.0 + 250.0 * noise(seed ^ 7, s / 2.0)),
        p95_ms: 700.0 + 200.0 * noise(seed ^ 8, s / 2.0),
        queue_depth: healthy.queue_depth + 25.0,
        ..healthy
    }
}

/// How far `d` is into `whole`, from 0 to 1.
fn fraction(d: Duration, whole: Duration) -> f64 {
    (d.as_secs_f64() / whole.as_secs_f64()).clamp(0.0, 1.0)
}

fn ms(v: f64) -> Duration {
    Duration::from_secs_f64(v.max(0.0) / 1000.0)
}

/// FNV-1a of the service name: a per-service noise seed.
fn seed(service: &str) -> u64 {
    service.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// splitmix64 of (seed, n), mapped to [-1, 1].
fn hash(seed: u64, n: u64) -> f64 {
    let mut z = seed.wrapping_add(n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

/// Smooth deterministic noise in [-1, 1]: random values at whole `t`, eased in between.
fn noise(seed: u64, t: f64) -> f64 {
    let i = t.max(0.0).floor();
    let f = t.max(0.0) - i;
    let f = f * f * (3.0 - 2.0 * f);
    let n = i as u64;
    hash(seed, n) * (1.0 - f) + hash(seed, n + 1) * f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn names_parse_and_describe() {
        for (sc, name) in Scenario::ALL.iter().zip(Scenario::NAMES) {
            assert_eq!(sc.name(), name);
            assert_eq!(Scenario::parse(name), Some(*sc));
            assert!(!sc.description().is_empty());
            assert!(Scenario::help_text().contains(name));
        }
        assert_eq!(Scenario::parse("Bad_Deploy"), Some(Scenario::BadDeploy));
        assert_eq!(Scenario::parse("chaos"), None);
        assert_eq!(Scenario::help_text().lines().count(), 4);
    }

    #[test]
    fn noise_is_bounded_deterministic_and_varies() {
        let vals: Vec<f64> = (0..500).map(|i| noise(42, f64::from(i) * 0.37)).collect();
        assert!(vals.iter().all(|v| (-1.0..=1.0).contains(v)));
        assert!(vals.iter().any(|v| *v > 0.3) && vals.iter().any(|v| *v < -0.3));
        assert!((noise(42, 12.5) - noise(42, 12.5)).abs() < f64::EPSILON);
        assert!((noise(1, 3.0) - noise(2, 3.0)).abs() > f64::EPSILON);
    }

    #[test]
    fn healthy_is_healthy_all_the_time() {
        for s in 0..600 {
            let t = Timing::at(secs(s)).phase2(secs(s));
            for svc in SERVICES {
                let b = Scenario::Healthy.behaviour(svc, t);
                assert!(b.up());
                assert!((0.2..0.4).contains(&b.error_rate_pct), "{svc} {b:?}");
                assert!((80.0..160.0).contains(&b.p95_ms), "{svc} {b:?}");
                assert!(b.health_delay < Duration::from_millis(50));
                assert!(b.rps > 100.0);
            }
            let agg = Scenario::Healthy.aggregate_error_rate(t);
            assert!((0.2..0.4).contains(&agg));
        }
        let tel = |s| Scenario::Healthy.behaviour("talent-engine", Timing::at(secs(s)));
        assert!((tel(10).p95_ms - 120.0).abs() < 10.0);
        assert_eq!(tel(10), tel(10));
        assert!((tel(10).p95_ms - tel(11).p95_ms).abs() > f64::EPSILON);
    }

    #[test]
    fn bad_deploy_is_healthy_until_phase_2() {
        for s in [0, 30, 300, 3000] {
            let t = Timing::at(secs(s));
            for svc in SERVICES {
                assert_eq!(
                    Scenario::BadDeploy.behaviour(svc, t),
                    Scenario::Healthy.behaviour(svc, t)
                );
            }
        }
    }

    #[test]
    fn bad_deploy_climbs_after_phase_2() {
        let at = |p2: u64| Timing::at(secs(100 + p2)).phase2(secs(p2));
        let sc = Scenario::BadDeploy;
        // Just after phase 2 starts: still fine.
        assert!(sc.aggregate_error_rate(at(5)) < 2.0);
        // error_rate > 5% within ~45 s, so `for 30s` fires within ~1.5 min.
        assert!(sc.aggregate_error_rate(at(45)) > 5.0);
        let worst = sc.aggregate_error_rate(at(120));
        assert!((10.0..14.0).contains(&worst), "{worst}");
        // Monotonic climb (sampled every 10 s).
        let climb: Vec<f64> = (0..10)
            .map(|i| sc.aggregate_error_rate(at(i * 10)))
            .collect();
        assert!(climb.windows(2).all(|w| w[1] > w[0] - 0.5), "{climb:?}");
        // talent-engine's p95 passes 200% of its 120 ms baseline within a minute, ~3x later.
        let p95 = |p2| sc.behaviour("talent-engine", at(p2)).p95_ms;
        assert!(p95(60) > 240.0);
        assert!((340.0..480.0).contains(&p95(120)), "{}", p95(120));
        assert!((sc.max_p95(at(120)) - p95(120)).abs() < f64::EPSILON);
        // /health slows down (DEGRADED at > 300 ms) and fails now and then.
        let te = |p2| sc.behaviour("talent-engine", at(p2));
        assert!(te(120).health_delay > Duration::from_millis(300));
        let downs = (60..180).filter(|p2| !te(*p2).up()).count();
        assert!((20..60).contains(&downs), "{downs}");
        // Authentication barely notices.
        assert!(sc.behaviour("authentication", at(120)).error_rate_pct < 3.0);
    }

    #[test]
    fn bad_deploy_recovers_after_a_rollback() {
        let sc = Scenario::BadDeploy;
        let t = Timing::at(secs(400)).phase2(secs(300));
        assert!(sc.aggregate_error_rate(t) > 10.0);
        assert!(sc.aggregate_error_rate(t.rollback(secs(30))) < 8.0);
        let back = t.rollback(secs(61));
        assert!(sc.aggregate_error_rate(back) < 0.5);
        assert!(SERVICES.iter().all(|s| sc.behaviour(s, back).up()));
        assert!(sc.behaviour("talent-engine", back).p95_ms < 140.0);
    }

    #[test]
    fn flapping_rostering_goes_down_6_of_every_15_seconds() {
        let sc = Scenario::Flapping;
        let states: Vec<bool> = (0..30)
            .map(|s| sc.behaviour("rostering", Timing::at(secs(s))).up())
            .collect();
        assert_eq!(states.iter().filter(|up| !**up).count(), 12);
        assert!(states[..9].iter().all(|up| *up));
        assert!(states[9..15].iter().all(|up| !*up));
        // With probes every 2 s, a DOWN window catches 3 probes in a row.
        for svc in ["authentication", "talent-engine", "job-applications"] {
            assert!((0..60).all(|s| sc.behaviour(svc, Timing::at(secs(s))).up()));
        }
        // The flapping alone does not reach a 5% aggregate error rate.
        assert!(sc.aggregate_error_rate(Timing::at(secs(10))) < 5.0);
    }

    #[test]
    fn slow_is_slow_but_not_failing() {
        let sc = Scenario::Slow;
        for s in 0..300 {
            let t = Timing::at(secs(s));
            for svc in ["talent-engine", "job-applications"] {
                let b = sc.behaviour(svc, t);
                let d = b.health_delay.as_millis();
                assert!((395..=905).contains(&d), "{svc} at {s}: {d} ms");
                assert!(b.p95_ms > 400.0);
                assert!(b.up());
            }
            assert!(sc.behaviour("rostering", t).health_delay < Duration::from_millis(50));
            assert!(sc.aggregate_error_rate(t) < 0.5);
        }
    }
}
