//! Prometheus instant queries: `GET {base}/api/v1/query?query=…` through [`http::fetch`], the
//! answer read as in the HTTP API documentation
//! (<https://prometheus.io/docs/prometheus/latest/querying/api/>):
//!
//! ```text
//! {"status": "success" | "error", "data": {"resultType": "…", "result": …},
//!  "errorType": "…", "error": "…", "warnings": […]}
//! ```
//!
//! A `scalar` answer (`[<unix seconds>, "<value>"]`) or a `vector` of exactly one sample
//! (`[{"metric": {…}, "value": [<unix seconds>, "<value>"]}]`) gives the value; anything else
//! is a `body` error that says what to change in the query. Values are strings: `"NaN"`,
//! `"+Inf"` and `"-Inf"` are understood; `NaN` (e.g. `0/0` when there was no traffic) gives an
//! observation without a value. The check's `scale` is not applied here.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::http::{self, Request};
use super::outcome::{ErrorKind, Outcome, ProbeError};
pub use super::promql::query_url;

/// Runs the instant query `query` against the server at `base`, with `req`'s headers and body
/// cap, within `deadline`.
///
/// Errors: those of [`http::fetch`] and [`read_answer`]; an answer that is not the JSON
/// envelope and not a 2xx status is a `status` error.
pub async fn query(
    client: &reqwest::Client,
    req: &Request,
    base: &str,
    query: &str,
    deadline: Duration,
) -> Outcome {
    let url = query_url(base, query).map_err(|e| ProbeError::new(ErrorKind::Refused, e))?;
    let req = Request {
        method: reqwest::Method::GET,
        url,
        ..req.clone()
    };
    let got = http::fetch(client, &req, deadline).await?;
    let value = match read_answer(&got.body) {
        // Prometheus answers 400/422/503 with an error envelope; anything else that is not
        // the envelope is better told by its status.
        Err(e)
            if e.kind == ErrorKind::Body
                && !(200..300).contains(&got.status)
                && !is_envelope(&got.body) =>
        {
            return Err(ProbeError::new(
                ErrorKind::Status,
                format!("status {} (expected 200)", got.status),
            ));
        }
        r => r?,
    };
    Ok(got.observed_value(value))
}

#[derive(Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    result: Value,
}

fn is_envelope(body: &str) -> bool {
    serde_json::from_str::<Envelope>(body).is_ok()
}

/// The number in a `/api/v1/query` answer; `None` for `NaN`.
///
/// Errors (`body`): not JSON / not the envelope; `status: "error"` (its `errorType` and
/// `error`); a vector with no sample or with several; a matrix or string result; a value that
/// is not a number.
pub fn read_answer(body: &str) -> Result<Option<f64>, ProbeError> {
    let bad = |d: String| ProbeError::new(ErrorKind::Body, d);
    let env: Envelope =
        serde_json::from_str(body).map_err(|e| bad(format!("not a Prometheus answer: {e}")))?;
    if env.status != "success" {
        let kind = env.error_type.unwrap_or_else(|| "error".into());
        let msg = env
            .error
            .unwrap_or_else(|| format!("status {:?}", env.status));
        return Err(bad(format!("prometheus {kind}: {msg}")));
    }
    let Some(data) = env.data else {
        return Err(bad("not a Prometheus answer: no data".into()));
    };
    match data.result_type.as_str() {
        "scalar" => sample_value(&data.result),
        "vector" => {
            let Value::Array(items) = &data.result else {
                return Err(bad(
                    "not a Prometheus answer: vector result is not a list".into()
                ));
            };
            match items.as_slice() {
                [] => Err(bad("no series matched".into())),
                [one] => sample_value(one.get("value").unwrap_or(&Value::Null)),
                many => Err(bad(format!(
                    "{} series: aggregate with sum() or narrow the selector",
                    many.len()
                ))),
            }
        }
        "matrix" => Err(bad(
            "a range vector: query an instant value (e.g. wrap it in rate() or drop the [5m])"
                .into(),
        )),
        "string" => Err(bad("a string, not a number".into())),
        other => Err(bad(format!("unknown resultType {other:?}"))),
    }
}

/// `[<unix seconds>, "<value>"]` → the value.
fn sample_value(pair: &Value) -> Result<Option<f64>, ProbeError> {
    let text = match pair {
        Value::Array(p) if p.len() == 2 => p[1].as_str(),
        _ => None,
    };
    let Some(text) = text else {
        return Err(ProbeError::new(
            ErrorKind::Body,
            "not a Prometheus answer: sample is not [time, \"value\"]",
        ));
    };
    let v = parse_value(text).ok_or_else(|| {
        ProbeError::new(ErrorKind::Body, format!("value {text:?} is not a number"))
    })?;
    Ok(if v.is_nan() { None } else { Some(v) })
}

/// A Prometheus sample value: a float, `NaN`, `+Inf`, `-Inf` (`Inf` without a sign too).
fn parse_value(text: &str) -> Option<f64> {
    match text.trim() {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        t => t.parse::<f64>().ok().filter(|v| v.is_finite()),
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp, reason = "parsed literals are compared exactly")]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read() {
        let scalar = r#"{"status":"success","data":{"resultType":"scalar","result":[1.5,"2.25"]}}"#;
        assert_eq!(read_answer(scalar).unwrap(), Some(2.25));
        let one = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"+Inf"]}]}}"#;
        assert_eq!(read_answer(one).unwrap(), Some(f64::INFINITY));
        let nan = r#"{"status":"success","data":{"resultType":"scalar","result":[1,"NaN"]}}"#;
        assert_eq!(read_answer(nan).unwrap(), None);
        let err = r#"{"status":"error","errorType":"bad_data","error":"parse error at char 4"}"#;
        assert_eq!(
            read_answer(err).unwrap_err().detail,
            "prometheus bad_data: parse error at char 4"
        );
        let matrix = r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        assert!(
            read_answer(matrix)
                .unwrap_err()
                .detail
                .contains("range vector")
        );
        let word = r#"{"status":"success","data":{"resultType":"scalar","result":[1,"lots"]}}"#;
        assert_eq!(
            read_answer(word).unwrap_err().detail,
            r#"value "lots" is not a number"#
        );
    }
}
