//! The URL of a Prometheus instant query, for the Prometheus client ([`super::prometheus`])
//! and for the HTTP request a Prometheus check is made of ([`super::http`]): on its own so that
//! neither imports the other for it.

use url::Url;

/// The URL of the instant query `query` on the server at `base` (its path kept:
/// `http://h/prom` → `http://h/prom/api/v1/query?query=…`, the query percent-encoded).
///
/// Errors: `base` is not an absolute http(s) URL.
pub fn query_url(base: &str, query: &str) -> Result<Url, String> {
    let mut url = Url::parse(base.trim()).map_err(|e| format!("prometheus {base:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(format!(
            "prometheus {base:?}: give the server's http(s) base URL, e.g. http://prometheus:9090"
        ));
    }
    if query.trim().is_empty() {
        return Err("`query` is empty: give a PromQL expression".into());
    }
    url.path_segments_mut()
        .map_err(|()| format!("prometheus {base:?}: not a base URL"))?
        .pop_if_empty()
        .extend(["api", "v1", "query"]);
    url.set_fragment(None);
    url.query_pairs_mut().clear().append_pair("query", query);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_url_keeps_base_path_and_encodes() {
        let u = query_url("http://prom:9090", r#"sum(rate(x{code="500"}[5m])) / 2"#).unwrap();
        assert_eq!(u.path(), "/api/v1/query");
        assert_eq!(
            u.query(),
            Some("query=sum%28rate%28x%7Bcode%3D%22500%22%7D%5B5m%5D%29%29+%2F+2")
        );
        let u = query_url("https://h/prom/", "up").unwrap();
        assert_eq!(u.as_str(), "https://h/prom/api/v1/query?query=up");
        assert!(query_url("prom:9090", "up").is_err());
        assert!(query_url("http://p", " ").is_err());
    }
}
