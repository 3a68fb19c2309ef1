//! The demo's simulated services over real HTTP: `/health`, `/metrics` and the query API, for
//! every scenario, and the bad deploy after phase 2.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;
use warroom::demo::services::{self, Clock, QUERY_API, SERVICES, Scenario};

struct Demo {
    ports: HashMap<&'static str, u16>,
    clock: std::sync::Arc<Clock>,
    http: reqwest::Client,
}

impl Demo {
    async fn start(scenario: Scenario) -> Demo {
        let clock = Clock::new();
        let list = services::start_all(scenario, clock.clone())
            .await
            .expect("services start");
        assert_eq!(list.len(), SERVICES.len() + 1);
        assert_eq!(list.last().map(|(n, _)| *n), Some(QUERY_API));
        let ports: HashMap<_, _> = list.into_iter().collect();
        assert_eq!(ports.len(), 5, "distinct names");
        Demo {
            ports,
            clock,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, name: &str, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.ports[name])
    }

    async fn health(&self, service: &str) -> (u16, Value, Duration) {
        let t = Instant::now();
        let resp = self
            .http
            .get(self.url(service, "/health"))
            .send()
            .await
            .expect("health answers");
        let code = resp.status().as_u16();
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("application/json")
        );
        let body: Value = resp.json().await.expect("health is JSON");
        (code, body, t.elapsed())
    }

    async fn metrics(&self, service: &str) -> String {
        let resp = self
            .http
            .get(self.url(service, "/metrics"))
            .send()
            .await
            .expect("metrics answer");
        assert_eq!(resp.status().as_u16(), 200);
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("text/plain; version=0.0.4")
        );
        resp.text().await.expect("text")
    }

    async fn query(&self, q: &str) -> (u16, Value) {
        let resp = self
            .http
            .get(self.url(
                QUERY_API,
                &format!("/api/v1/query?query={}&time=1700000000.5", encode(q)),
            ))
            .send()
            .await
            .expect("query answers");
        let code = resp.status().as_u16();
        (code, resp.json().await.expect("query answer is JSON"))
    }

    /// The value of a query that must answer one sample.
    async fn value(&self, q: &str) -> f64 {
        let (code, body) = self.query(q).await;
        assert_eq!(code, 200, "{q}: {body}");
        let result = assert_vector(&body);
        assert_eq!(result.len(), 1, "{q}: {body}");
        sample_value(&result[0])
    }
}

/// Percent-encodes a query parameter (reqwest's `query` needs a feature warroom does not use).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn assert_vector(body: &Value) -> &Vec<Value> {
    assert_eq!(body["status"], "success", "{body}");
    assert_eq!(body["data"]["resultType"], "vector", "{body}");
    let result = body["data"]["result"].as_array().expect("result array");
    for r in result {
        assert!(r["metric"].is_object(), "{r}");
        let value = r["value"].as_array().expect("value pair");
        assert_eq!(value.len(), 2);
        assert!(value[0].as_f64().expect("timestamp") > 1.6e9);
        assert!(value[1].is_string(), "{r}");
    }
    result
}

fn sample_value(r: &Value) -> f64 {
    r["value"][1]
        .as_str()
        .expect("string value")
        .parse()
        .expect("number")
}

/// Sum of the samples of `name` whose labels include every `label="value"` in `with`.
fn series(text: &str, name: &str, with: &[&str]) -> f64 {
    let mut sum = 0.0;
    let mut found = false;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (series, value) = line.rsplit_once(' ').expect("`series value` line");
        let (n, labels) = series.split_once('{').unwrap_or((series, ""));
        if n == name && with.iter().all(|w| labels.contains(w)) {
            sum += value.parse::<f64>().expect("numeric value");
            found = true;
        }
    }
    assert!(found, "no {name} {with:?} in\n{text}");
    sum
}

fn assert_exposition(text: &str, service: &str) {
    let svc = format!("service=\"{service}\"");
    for name in [
        "http_requests_total",
        "http_request_duration_p95_ms",
        "queue_depth",
    ] {
        assert!(
            text.contains(&format!("# TYPE {name} ")),
            "{name} typed in\n{text}"
        );
        series(text, name, &[&svc]);
    }
    series(text, "http_requests_total", &[&svc, "code=\"200\""]);
    series(text, "http_requests_total", &[&svc, "code=\"500\""]);
}

#[tokio::test]
async fn every_scenario_serves_health_metrics_and_queries() {
    for scenario in Scenario::ALL {
        let demo = Demo::start(scenario).await;
        for service in SERVICES {
            let (code, body, took) = demo.health(service).await;
            assert_eq!(body["service"], service, "{scenario:?}");
            // The first seconds of every scenario are healthy (flapping starts UP; bad-deploy
            // waits for phase 2; slow is slow but UP).
            assert_eq!(code, 200, "{scenario:?} {service}: {body}");
            assert_eq!(body["status"], "UP");
            let slow = scenario == Scenario::Slow
                && (service == "talent-engine" || service == "job-applications");
            if slow {
                assert!(took >= Duration::from_millis(390), "{service} {took:?}");
            } else {
                // No modelled delay; the bound only has to survive a loaded machine.
                assert!(took < Duration::from_secs(2), "{service} {took:?}");
            }

            let first = demo.metrics(service).await;
            assert_exposition(&first, service);
            tokio::time::sleep(Duration::from_millis(300)).await;
            let second = demo.metrics(service).await;
            let total = |t: &str| series(t, "http_requests_total", &[]);
            let grew = total(&second) - total(&first);
            // ≥ 150 req/s for every service, for ≥ 0.3 s.
            assert!(grew >= 40.0, "{scenario:?} {service}: +{grew}");
        }

        let err = demo.value("error_rate_percent").await;
        assert!((0.0..5.0).contains(&err), "{scenario:?}: {err}");
        let te = demo
            .value("error_rate_percent{service=\"talent-engine\"}")
            .await;
        assert!(te >= 0.0);
        let p95 = demo.value("p95_latency_ms").await;
        if scenario == Scenario::Slow {
            assert!(p95 > 400.0, "{p95}");
        } else {
            assert!((80.0..200.0).contains(&p95), "{scenario:?}: {p95}");
        }
        let rps = demo.value("sum(rate(http_requests_total[1m]))").await;
        assert!(rps > 600.0, "{rps}");
    }
}

#[tokio::test]
async fn the_query_api_answers_like_prometheus() {
    let demo = Demo::start(Scenario::Healthy).await;
    // Metric labels as Prometheus gives them.
    let (_, body) = demo
        .query("error_rate_percent{service=\"talent-engine\"}")
        .await;
    let result = assert_vector(&body);
    assert_eq!(result[0]["metric"]["__name__"], "error_rate_percent");
    assert_eq!(result[0]["metric"]["service"], "talent-engine");
    // A selector matching nothing: success, empty vector.
    let (code, body) = demo.query("error_rate_percent{service=\"nope\"}").await;
    assert_eq!(code, 200);
    assert!(assert_vector(&body).is_empty());
    // Per-service series.
    let (_, body) = demo.query("queue_depth").await;
    assert_eq!(assert_vector(&body).len(), 4);
    // Errors.
    for q in [
        "",
        "up",
        "error_rate_percent > 5",
        "rate(http_requests_total[1m])",
    ] {
        let (code, body) = demo.query(q).await;
        assert_eq!(code, 400, "{q:?}: {body}");
        assert_eq!(body["status"], "error");
        assert_eq!(body["errorType"], "bad_data");
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    // POST with a form, as Prometheus clients may send it.
    let resp = demo
        .http
        .post(demo.url(QUERY_API, "/api/v1/query"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("query=p95_latency_ms&time=1700000000")
        .send()
        .await
        .expect("post answers");
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(assert_vector(&body).len(), 1);
}

#[tokio::test]
async fn bad_deploy_goes_bad_after_phase_2() {
    let demo = Demo::start(Scenario::BadDeploy).await;
    let healthy_p95 = demo
        .value("p95_latency_ms{service=\"talent-engine\"}")
        .await;
    assert!(demo.value("error_rate_percent").await < 1.0);

    let two_minutes_ago = Instant::now()
        .checked_sub(Duration::from_secs(120))
        .expect("the machine has been up for two minutes");
    demo.clock.set_phase2_started(two_minutes_ago);

    let err = demo.value("error_rate_percent").await;
    assert!(err > 5.0, "aggregate error rate {err}");
    let te = demo
        .value("error_rate_percent{service=\"talent-engine\"}")
        .await;
    assert!(te > 20.0, "talent-engine error rate {te}");
    let p95 = demo.value("p95_latency_ms").await;
    assert!(
        p95 > 2.0 * healthy_p95,
        "p95 {p95} vs healthy {healthy_p95}"
    );

    // A scraper computing rate() between two scrapes sees the same error rate.
    let a = demo.metrics("talent-engine").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let b = demo.metrics("talent-engine").await;
    let d = |name: &[&str]| {
        series(&b, "http_requests_total", name) - series(&a, "http_requests_total", name)
    };
    let ratio = d(&["code=\"500\""]) / d(&[]) * 100.0;
    assert!(ratio > 20.0, "scraped error ratio {ratio}%");
    let gauge = series(&b, "http_request_duration_p95_ms", &[]);
    assert!(gauge > 2.0 * healthy_p95, "{gauge}");

    // /health is slow (DEGRADED at > 300 ms) and DOWN now and then.
    let (_, _, took) = demo.health("talent-engine").await;
    assert!(took > Duration::from_millis(300), "{took:?}");

    // After a rollback has run its course, the services recover.
    demo.clock
        .set_rollback_started(two_minutes_ago + Duration::from_secs(59));
    assert!(demo.value("error_rate_percent").await < 1.0);
    let (code, body, _) = demo.health("talent-engine").await;
    assert_eq!((code, &body["status"]), (200, &Value::from("UP")));
}
