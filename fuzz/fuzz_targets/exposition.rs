//! Fuzzes the Prometheus exposition parser and the series-selector parser.
//!
//! Properties: neither parser panics on any input; every parsed sample prints to a line that
//! parses back to the same sample; every selector that parses prints (`Display`) to text that
//! parses back to an equal selector.

#![no_main]

use libfuzzer_sys::fuzz_target;
use warroom::poll::exposition::{Selector, parse};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    let expo = parse(&text);
    for sample in &expo.samples {
        let _ = expo.type_of(&sample.name);
        let line = sample.to_string();
        let again = parse(&line);
        assert!(again.skipped.is_empty(), "{line:?} -> {:?}", again.skipped);
        assert_eq!(again.samples.len(), 1, "{line:?}");
        let back = &again.samples[0];
        assert_eq!(back.name, sample.name, "{line:?}");
        assert_eq!(back.labels, sample.labels, "{line:?}");
        assert_eq!(back.timestamp_ms, sample.timestamp_ms, "{line:?}");
        assert!(
            back.value.to_bits() == sample.value.to_bits()
                || (back.value.is_nan() && sample.value.is_nan()),
            "{line:?}"
        );
    }

    if let Ok(selector) = Selector::parse(&text) {
        let shown = selector.to_string();
        match Selector::parse(&shown) {
            Ok(again) => assert_eq!(again, selector, "{text:?} displayed as {shown:?}"),
            Err(e) => panic!("{text:?} displayed as {shown:?}, which fails: {e}"),
        }
        let _ = expo.select(&selector);
    }
});
